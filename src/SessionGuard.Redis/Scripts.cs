namespace SessionGuard.Redis;

/// <summary>
/// The Lua scripts that change ownership, each run atomically by Redis. Keys (all in the hash slot of <c>{prefix}</c>):
/// <c>{p}:s:ID</c> the owner record (hash: node, fence, token); <c>{p}:fence</c> the fencing counter (never below the
/// Redis clock in microseconds: no script runs in under a microsecond, so the counter never runs ahead of the clock and
/// keeps growing after Redis lost it); <c>{p}:hb:NODE</c> the node's heartbeat (holds
/// the process's incarnation, expires after NodeTimeout); <c>{p}:set:NODE</c> the node's sessions (set);
/// <c>{p}:epoch</c> a random value written when the cluster's data is new: a node that sees it change knows Redis lost
/// its data (a restart without persistence, a failover that lost writes) rather than that other nodes reclaimed its
/// sessions; <c>{p}:moved:NODE</c> the node's copies taken over (list of "fence|id", drained at each heartbeat); <c>{p}:nodes</c>
/// every node by the time its heartbeat lapses (sorted set); <c>{p}:all</c> every session with an owner record, by the fence
/// of its claim (sorted set: its size is the cluster's session count, its first member the oldest claim); <c>{p}:k:ID</c> the keys a session owns (set), deleted with
/// it wherever it ends or is reclaimed; <c>{p}:lost:NODE</c> a lost node's sessions still to reclaim (set) and
/// <c>{p}:reclaims</c> every reclaim in progress, by node, with the highest fencing number handed out when the node was
/// found lost (hash). Each family has its own prefix, so no node name can make
/// one node's key another's. Channel <c>{p}:events</c>: <c>ended|REASON|FENCE|NODE|ID</c> and <c>moved|FENCE|NODE|ID</c>
/// (the id last: it may hold '|'). Moved list entries are <c>FENCE|ID</c> (taken over) or <c>evicted|FENCE|ID</c>.
/// </summary>
internal static class Scripts
{
    /// <summary>
    /// Functions the scripts share, put before each: <c>now_ms()</c> and <c>now_us()</c>, the Redis clock in milliseconds and
    /// microseconds (since 1970, exact in Lua's doubles);
    /// <c>drop_owned(base, id)</c>, which deletes the keys the session owns and their set; and <c>condemn(base, node)</c>,
    /// which hands the node's set over to its reclaim (<c>{p}:lost:NODE</c>, merged into one already there) and records in
    /// <c>{p}:reclaims</c> the highest fencing number handed out so far: every record naming the node with a fencing number
    /// up to it is lost, and a claim made after (a process restarted under the name, or the node back from a partition)
    /// is not. O(1) but for the merge into an unfinished reclaim. Returns the number of sessions left to reclaim.
    /// </summary>
    private const string Functions = """
        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        local function now_us()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000000 + tonumber(t[2])
        end
        local function drop_owned(base, id)
          local set = base .. ':k:' .. id
          local owned = redis.call('SMEMBERS', set)
          for i = 1, #owned, 500 do
            redis.call('DEL', unpack(owned, i, math.min(i + 499, #owned)))
          end
          redis.call('DEL', set)
        end
        local function condemn(base, node)
          local set = base .. ':set:' .. node
          local lost = base .. ':lost:' .. node
          if redis.call('EXISTS', set) == 1 then
            if redis.call('EXISTS', lost) == 1 then
              redis.call('SUNIONSTORE', lost, lost, set)
              redis.call('DEL', set)
            else
              redis.call('RENAME', set, lost)
            end
          end
          if redis.call('EXISTS', lost) == 1 then
            redis.call('HSET', base .. ':reclaims', node, redis.call('GET', base .. ':fence') or '0')
          end
          return redis.call('SCARD', lost)
        end

        """;

    /// <summary>
    /// KEYS: record, fence counter, this node's set, this node's heartbeat, every session. ARGV: id, node, refuse (1/0),
    /// base, channel, claim token (random, so a claim whose answer was lost can still be removed), the cluster's cap (0:
    /// none), evict the oldest claims when full (1/0). The set is written first: a script Redis stops half-way leaves a
    /// member reclaim still finds. Returns {-1} when this node's heartbeat lapsed, {0, owner, fence} when refused, {-2,
    /// count} when the cluster is full, {1, previous owner or '', new fence} when claimed. An evicted session's record
    /// and keys go at once; its node (while alive) finds it in its moved list and ends its copy (Evicted). The moved list
    /// has no expiry: its node drains it, and reclaim or leaving deletes it.
    /// </summary>
    public const string Claim = Functions + """
        if redis.call('EXISTS', KEYS[4]) == 0 then return {-1} end
        local prev = redis.call('HMGET', KEYS[1], 'node', 'fence')
        local owner = prev[1]
        if owner and owner ~= ARGV[2] and ARGV[3] == '1' and redis.call('EXISTS', ARGV[4] .. ':hb:' .. owner) == 1 then
          return {0, owner, prev[2]}
        end
        local cap = tonumber(ARGV[7])
        if not owner and cap > 0 then
          local count = redis.call('ZCARD', KEYS[5])
          if count >= cap and ARGV[8] ~= '1' then return {-2, count} end
          while count >= cap do
            local victim = redis.call('ZRANGE', KEYS[5], 0, 0)[1]
            redis.call('ZREM', KEYS[5], victim)
            local record = ARGV[4] .. ':s:' .. victim
            local v = redis.call('HMGET', record, 'node', 'fence')
            if v[1] then
              redis.call('DEL', record)
              drop_owned(ARGV[4], victim)
              redis.call('SREM', ARGV[4] .. ':set:' .. v[1], victim)
              if redis.call('EXISTS', ARGV[4] .. ':hb:' .. v[1]) == 1 then
                redis.call('RPUSH', ARGV[4] .. ':moved:' .. v[1], 'evicted|' .. v[2] .. '|' .. victim)
              end
              redis.call('PUBLISH', ARGV[5], 'ended|Evicted|' .. v[2] .. '|' .. v[1] .. '|' .. victim)
            end
            count = count - 1
          end
        end
        redis.call('SADD', KEYS[3], ARGV[1])
        local fence = redis.call('INCR', KEYS[2])
        local floor = now_us()
        if fence < floor then
          fence = floor
          redis.call('SET', KEYS[2], string.format('%d', fence))
        end
        local text = string.format('%d', fence)
        redis.call('HSET', KEYS[1], 'node', ARGV[2], 'fence', text, 'token', ARGV[6])
        redis.call('ZADD', KEYS[5], fence, ARGV[1])
        if owner and owner ~= ARGV[2] then
          redis.call('SREM', ARGV[4] .. ':set:' .. owner, ARGV[1])
          redis.call('RPUSH', ARGV[4] .. ':moved:' .. owner, prev[2] .. '|' .. ARGV[1])
          redis.call('PUBLISH', ARGV[5], 'moved|' .. prev[2] .. '|' .. owner .. '|' .. ARGV[1])
        end
        return {1, owner or '', fence}
        """;

    /// <summary>
    /// Compare-and-delete. KEYS: record, this node's set. ARGV: id, node, fence ('' when unknown), token, reason, channel,
    /// base. Deletes the record with the keys the session owns and announces the end only while it names this node and this
    /// claim (by fence, or by token when the fence is unknown); 1 when it did. A newer claim of this node is left alone.
    /// </summary>
    public const string End = Functions + """
        local cur = redis.call('HMGET', KEYS[1], 'node', 'fence', 'token')
        if cur[1] == ARGV[2] then
          if (ARGV[3] ~= '' and cur[2] ~= ARGV[3]) or (ARGV[3] == '' and cur[3] ~= ARGV[4]) then return 0 end
          redis.call('DEL', KEYS[1])
          redis.call('ZREM', ARGV[7] .. ':all', ARGV[1])
          drop_owned(ARGV[7], ARGV[1])
          redis.call('SREM', KEYS[2], ARGV[1])
          redis.call('PUBLISH', ARGV[6], 'ended|' .. ARGV[5] .. '|' .. cur[2] .. '|' .. ARGV[2] .. '|' .. ARGV[1])
          return 1
        end
        redis.call('SREM', KEYS[2], ARGV[1])
        return 0
        """;

    /// <summary>
    /// KEYS: this node's heartbeat, its moved list, the node index, its set, the data's epoch. ARGV: node, TTL ms, this
    /// process's incarnation, base, channel, 1 on this process's first beat, a new epoch (written when none is there: the
    /// data is new, or Redis lost it). O(1) in the node's sessions: on a first beat that finds the heartbeat held by another
    /// incarnation or gone, the sessions still listed for this node were a previous process's (this one claims nothing
    /// before its first beat) and are condemned here, then reclaimed in chunks (<see cref="ReclaimChunk"/>). Returns {1 if
    /// this incarnation's heartbeat was alive before, the moved entries, sessions condemned, 1 if another live process
    /// holds this node name, the epoch}.
    /// </summary>
    public const string Heartbeat = Functions + """
        local now = now_ms()
        local prev = redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2], 'GET')
        redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[1])
        local moved = redis.call('LRANGE', KEYS[2], 0, -1)
        if #moved > 0 then redis.call('DEL', KEYS[2]) end
        local alive = 0
        if prev == ARGV[3] then alive = 1 end
        local reclaimed = 0
        local conflict = 0
        if ARGV[6] == '1' and prev ~= ARGV[3] then
          reclaimed = condemn(ARGV[4], ARGV[1])
          moved = {}
        elseif prev and prev ~= ARGV[3] then
          conflict = 1
        end
        local epoch = redis.call('GET', KEYS[5])
        if not epoch then
          epoch = ARGV[7]
          redis.call('SET', KEYS[5], epoch)
        end
        return {alive, moved, reclaimed, conflict, epoch}
        """;

    /// <summary>
    /// Finds lost nodes. KEYS: the node index, the reclaims in progress. ARGV: base, most nodes per pass. A node whose
    /// deadline passed and whose heartbeat is gone leaves the index (so one caller only condemns it), its sessions are
    /// condemned (see <c>condemn</c>) and its moved list goes. O(1) in their sessions: the records go in chunks
    /// (<see cref="ReclaimChunk"/>), by whichever nodes run them. Returns every node whose reclaim is in progress (this
    /// pass's and any a reclaiming node left unfinished).
    /// </summary>
    public const string Reclaim = Functions + """
        local lost = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[2]))
        for _, node in ipairs(lost) do
          if redis.call('EXISTS', ARGV[1] .. ':hb:' .. node) == 0 then
            redis.call('ZREM', KEYS[1], node)
            condemn(ARGV[1], node)
            redis.call('DEL', ARGV[1] .. ':moved:' .. node)
          end
        end
        return redis.call('HKEYS', KEYS[2])
        """;

    /// <summary>
    /// Reclaims one chunk of a condemned node's sessions. KEYS: the reclaims in progress. ARGV: base, channel, node, chunk
    /// size. Takes (SPOP) up to the chunk size of the node's condemned sessions, so concurrent callers never take one
    /// twice; deletes each record that still names the node with a fencing number up to the one recorded when the node was
    /// condemned, with the keys it owns, and announces it ended (NodeLost). When none is left the reclaim is done. Returns
    /// {sessions reclaimed, sessions left}.
    /// </summary>
    public const string ReclaimChunk = Functions + """
        local cutoff = redis.call('HGET', KEYS[1], ARGV[3])
        local lost = ARGV[1] .. ':lost:' .. ARGV[3]
        if not cutoff then return {0, 0} end
        cutoff = tonumber(cutoff)
        local reclaimed = 0
        for _, id in ipairs(redis.call('SPOP', lost, tonumber(ARGV[4]))) do
          local record = ARGV[1] .. ':s:' .. id
          local cur = redis.call('HMGET', record, 'node', 'fence')
          if cur[1] == ARGV[3] and tonumber(cur[2]) <= cutoff then
            redis.call('DEL', record)
            redis.call('ZREM', ARGV[1] .. ':all', id)
            drop_owned(ARGV[1], id)
            redis.call('PUBLISH', ARGV[2], 'ended|NodeLost|' .. cur[2] .. '|' .. ARGV[3] .. '|' .. id)
            reclaimed = reclaimed + 1
          end
        end
        local left = redis.call('SCARD', lost)
        if left == 0 then redis.call('HDEL', KEYS[1], ARGV[3]) end
        return {reclaimed, left}
        """;

    /// <summary>
    /// Gives a key to a session. KEYS: record, the session's owned-key set, the key. ARGV: the key, node, fence ('' when
    /// unknown), token. While the record names this node and this claim (by fence, or by token when the fence is unknown, as
    /// <see cref="End"/> checks), the key joins its set: {1}. With no record the session has ended everywhere, so the key is
    /// deleted at once, as its end would have: {0}. A record of another claim (another node, or another process or claim
    /// under this node's name: this copy was taken over) leaves the key untouched, since it may be the new owner's, and
    /// returns {-1, owner, fence}: a stale copy writes nothing.
    /// </summary>
    public const string Own = """
        local cur = redis.call('HMGET', KEYS[1], 'node', 'fence', 'token')
        if not cur[1] then
          redis.call('DEL', KEYS[3])
          return {0}
        end
        if cur[1] ~= ARGV[2] or (ARGV[3] ~= '' and cur[2] ~= ARGV[3]) or (ARGV[3] == '' and cur[3] ~= ARGV[4]) then
          return {-1, cur[1], cur[2]}
        end
        redis.call('SADD', KEYS[2], ARGV[1])
        return {1}
        """;

    /// <summary>
    /// A node leaving: KEYS: its heartbeat, its set, its moved list, the node index. ARGV: node. With no session left it
    /// leaves the index; records it could not remove stay listed and are reclaimed by the next pass of another node.
    /// Returns the number of sessions left for reclaim.
    /// </summary>
    public const string Leave = """
        redis.call('DEL', KEYS[1], KEYS[3])
        local left = redis.call('SCARD', KEYS[2])
        if left == 0 then redis.call('ZREM', KEYS[4], ARGV[1]) else redis.call('ZADD', KEYS[4], 0, ARGV[1]) end
        return left
        """;
}
