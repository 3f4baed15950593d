using System;
using System.IO;
using System.Security.Cryptography;

namespace SessionGuard;

/// <summary>The per-process folder that holds session temp files, created with owner-only permissions.</summary>
internal sealed class TempFiles
{
    private readonly string _folder;

    /// <summary>Creates the folder set for <paramref name="root"/> (the system temp path when null), creating the root.</summary>
    /// <exception cref="ArgumentException">The root is a file, or cannot be created as a folder; the exception names <c>TempRoot</c>.</exception>
    public TempFiles(string? root)
    {
        if (!string.IsNullOrEmpty(root))
        {
            // Resolved once, now: a relative root kept as it is would name another folder after the process
            // changes its current directory, and teardown would not find the files to delete.
            root = FullRoot(root);
            EnsureRoot(root);
        }

        string baseDir = string.IsNullOrEmpty(root) ? Path.GetTempPath() : root;
        _folder = Path.Combine(baseDir, "sessionguard-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + RandomToken(6));
    }

    public string Folder => _folder;

    /// <summary>Creates an empty owner-only file; <paramref name="ext"/> comes from <see cref="NormalizeExtension"/>.</summary>
    public string Create(string ext)
    {
        EnsureFolder();
        string path = Path.Combine(_folder, RandomToken(12) + ext);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (new FileStream(path, options))
        {
        }

        return path;
    }

    /// <summary>Removes the folder if it is empty (other sessions may still use it).</summary>
    public void TryRemoveFolder()
    {
        try
        {
            if (Directory.Exists(_folder) && Directory.GetFileSystemEntries(_folder).Length == 0)
            {
                Directory.Delete(_folder);
            }
        }
        catch (IOException)
        {
            // In use or not empty: another session made a file since the check.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FullRoot(string root)
    {
        try
        {
            return Path.GetFullPath(root);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException or System.Security.SecurityException)
        {
            throw new ArgumentException($"TempRoot {DisplayText.Quote(root)} is not a valid path: {ex.Message}", nameof(SessionRegistryOptions.TempRoot), ex);
        }
    }

    private static void EnsureRoot(string root)
    {
        const string Option = nameof(SessionRegistryOptions.TempRoot);
        if (File.Exists(root))
        {
            throw new ArgumentException($"TempRoot {DisplayText.Quote(root)} is a file; it must be a folder (created if it does not exist).", Option);
        }

        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new ArgumentException($"TempRoot {DisplayText.Quote(root)} cannot be used as a folder: {ex.Message}", Option, ex);
        }
    }

    internal static string NormalizeExtension(string extension)
    {
        ArgumentNullException.ThrowIfNull(extension);
        string ext = extension.StartsWith('.') ? extension : "." + extension;
        if (ext.Length < 2 || ext.Length > 16)
        {
            throw new ArgumentException($"A temp file extension must have 1 to 15 characters after the dot; got {DisplayText.Quote(extension)}.", nameof(extension));
        }

        for (int i = 1; i < ext.Length; i++)
        {
            char c = ext[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
            {
                throw new ArgumentException($"A temp file extension may hold only ASCII letters, digits, '_' and '-'; {DisplayText.Quote(extension)} has {DisplayText.Quote(c.ToString())} at index {i - (ext.Length - extension.Length)}.", nameof(extension));
            }
        }

        return ext;
    }

    private void EnsureFolder()
    {
        if (Directory.Exists(_folder))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_folder);
        }
        else
        {
            Directory.CreateDirectory(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static string RandomToken(int bytes)
    {
        Span<byte> buffer = stackalloc byte[bytes];
        RandomNumberGenerator.Fill(buffer);
        return Convert.ToHexString(buffer).ToLowerInvariant();
    }
}
