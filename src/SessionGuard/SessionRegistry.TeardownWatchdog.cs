using System;
using System.Buffers;
using System.Threading;

namespace SessionGuard;

public sealed partial class SessionRegistry
{
    /// <summary>
    /// Bounds the synchronous calls of running teardowns: one timer per registry, ticking while a teardown runs, abandons
    /// every watched call past its deadline. A teardown pays two writes and a compare-exchange per call and joins and
    /// leaves one list; no timer is made per call. An overrun is noticed within one tick (an eighth of the shortest
    /// teardown timeout, between 1 ms and 250 ms) of its deadline.
    /// </summary>
    private sealed class TeardownWatchdog
    {
        private readonly TimeProvider _time;
        private readonly TimeSpan _period;
        private readonly object _gate = new();
        private Teardown? _head;
        private int _count;
        private ITimer? _timer;
        private int _ticking;

        public TeardownWatchdog(TimeProvider time, SessionRegistryOptions options)
        {
            _time = time;
            long shortest = Math.Min(options.TaskDrainTimeout.Ticks, Math.Min(options.DisposeTimeout.Ticks, options.OwnerReleaseTimeout.Ticks));
            _period = TimeSpan.FromTicks(Math.Clamp(shortest / 8, TimeSpan.TicksPerMillisecond, 250 * TimeSpan.TicksPerMillisecond));
        }

        public TimeSpan Period => _period;

        public void Add(Teardown teardown)
        {
            lock (_gate)
            {
                teardown.Next = _head;
                if (_head is not null)
                {
                    _head.Previous = teardown;
                }

                _head = teardown;
                _count++;
                _timer ??= _time.CreateTimer(static s => ((TeardownWatchdog)s!).Tick(), this, _period, _period);
            }
        }

        public void Remove(Teardown teardown)
        {
            lock (_gate)
            {
                if (teardown.Previous is { } previous)
                {
                    previous.Next = teardown.Next;
                }
                else if (ReferenceEquals(_head, teardown))
                {
                    _head = teardown.Next;
                }
                else
                {
                    return;
                }

                if (teardown.Next is { } next)
                {
                    next.Previous = teardown.Previous;
                }

                teardown.Previous = null;
                teardown.Next = null;
                _count--;
            }
        }

        private void Tick()
        {
            if (Interlocked.Exchange(ref _ticking, 1) != 0)
            {
                return;
            }

            Teardown[]? running = null;
            int count;
            try
            {
                lock (_gate)
                {
                    count = _count;
                    if (count == 0)
                    {
                        // Nothing runs: stop until the next teardown starts.
                        _timer?.Dispose();
                        _timer = null;
                        return;
                    }

                    running = ArrayPool<Teardown>.Shared.Rent(count);
                    int i = 0;
                    for (var t = _head; t is not null; t = t.Next)
                    {
                        running[i++] = t;
                    }
                }

                // Outside the lock: abandoning a call records the overrun and queues the rest of that teardown.
                long now = _time.GetTimestamp();
                for (int i = 0; i < count; i++)
                {
                    running[i].AbandonIfOverdue(now);
                }
            }
            finally
            {
                if (running is not null)
                {
                    ArrayPool<Teardown>.Shared.Return(running, clearArray: true);
                }

                Volatile.Write(ref _ticking, 0);
            }
        }
    }
}
