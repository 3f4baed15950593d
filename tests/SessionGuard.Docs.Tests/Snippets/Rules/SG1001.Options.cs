// docs/rules/SG1001.md: "Not reported with the placeholder options", compiled with those options (.editorconfig here).
using System;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG1001Options;

public sealed class Cache
{
    public async Task CacheAsync(IDatabase db, string key, string value)
    {
        _ = db.StringSetAsync(key, value, flags: CommandFlags.FireAndForget);   // not reported: a placeholder by design

        var batch = db.CreateBatch();
        _ = batch.StringSetAsync(key, value);                                    // not reported: owned by the batch
        _ = batch.KeyExpireAsync(key, TimeSpan.FromMinutes(5));
        batch.Execute();

        await db.StringGetAsync(key);
    }
}
