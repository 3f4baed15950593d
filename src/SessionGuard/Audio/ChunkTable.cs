using System;
using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace SessionGuard.Audio;

/// <summary>
/// The <see cref="AudioRingBuffer"/>'s chunk records, oldest first: the first <see cref="Held"/> are in the view the
/// reader holds, the rest are buffered. A ring over an array rented from <see cref="ArrayPool{T}.Shared"/> whose length
/// is a power of two (or zero, while the ring holds no chunk), indexed with a mask.
/// </summary>
/// <remarks>A field of its ring, guarded by the ring's lock: a mutable struct, never copied. The members the write and
/// read paths use are small and inlined, so the ring reaches the records as if they were its own fields.</remarks>
internal struct ChunkTable
{
    private Record[] _items;
    private int _mask;
    private int _head;

    /// <summary>An empty table that holds no array.</summary>
    public ChunkTable()
    {
        _items = Array.Empty<Record>();
    }

    /// <summary>Chunk records in the table, held and buffered.</summary>
    public int Count { readonly get; private set; }

    /// <summary>The oldest records, in the view the reader holds.</summary>
    public int Held { readonly get; set; }

    /// <summary>Records not handed to the reader.</summary>
    public readonly int Buffered
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Count - Held;
    }

    /// <summary>Whether every record is held (or the table is empty): nothing is buffered.</summary>
    public readonly bool AllHeld
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Count == Held;
    }

    /// <summary>Records the array holds before it must grow.</summary>
    public readonly int Capacity
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _items.Length;
    }

    /// <summary>The record <paramref name="index"/> places after the oldest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ref Record At(int index) => ref _items[(_head + index) & _mask];

    /// <summary>The oldest record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ref Record Oldest() => ref _items[_head];

    /// <summary>Appends a record; the table must have room (<see cref="Grow"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long start, int length)
    {
        _items[(_head + Count) & _mask] = new Record(start, length);
        Count++;
    }

    /// <summary>Removes the oldest record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RemoveOldest()
    {
        _head = (_head + 1) & _mask;
        Count--;
    }

    /// <summary>Removes the oldest buffered record (the one after the held ones) and returns it: the held records
    /// move one place towards the newest.</summary>
    public Record RemoveOldestBuffered()
    {
        Debug.Assert(Count > Held, "No buffered record to remove.");
        Record victim = _items[(_head + Held) & _mask];
        for (int i = Held; i > 0; i--)
        {
            int to = (_head + i) & _mask;
            int from = (_head + i - 1) & _mask;
            _items[to] = _items[from];
        }

        RemoveOldest();
        return victim;
    }

    /// <summary>Forgets every record (the array is kept).</summary>
    public void Clear()
    {
        Count = 0;
        Held = 0;
        _head = 0;
    }

    /// <summary>Doubles the array (at least 64 records, at most a power of two covering <paramref name="maxChunks"/>),
    /// keeping the records in order.</summary>
    public void Grow(int maxChunks)
    {
        // The first table holds 64 records (1 KB, about a second of 20 ms frames): a buffer that fills and drains
        // in bursts gets it back from ArrayPool once per burst instead of growing it 16 → 32 → 64 each time.
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Min(Math.Max(64, _items.Length * 2), Math.Max(16, maxChunks)));
        Record[] bigger = ArrayPool<Record>.Shared.Rent(size);
        if (!BitOperations.IsPow2(bigger.Length))
        {
            ArrayPool<Record>.Shared.Return(bigger);
            bigger = new Record[size];
        }

        for (int i = 0; i < Count; i++)
        {
            bigger[i] = _items[(_head + i) & _mask];
        }

        if (_items.Length > 0)
        {
            ArrayPool<Record>.Shared.Return(_items);
        }

        _items = bigger;
        _mask = bigger.Length - 1;
        _head = 0;
    }

    /// <summary>Returns the array to <see cref="ArrayPool{T}.Shared"/>; the table must be empty.</summary>
    public void ReleaseArray()
    {
        Debug.Assert(Count == 0, "The table's array was released with records in it.");
        if (_items.Length > 0)
        {
            ArrayPool<Record>.Shared.Return(_items);
            _items = Array.Empty<Record>();
            _mask = 0;
            _head = 0;
        }
    }

    /// <summary>One chunk: where it starts in the ring's address space, and its length.</summary>
    public struct Record
    {
        public long Start;
        public int Length;

        public Record(long start, int length)
        {
            Start = start;
            Length = length;
        }
    }
}
