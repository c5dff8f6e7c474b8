"""The channel layer: channels-redis, with a notice's groups sent in two round trips.

A save or a message is told to its team's group and to the control room's: channels-redis
sends each group in four round trips to Redis (drop expired members, read the members, drop
expired messages, run its delivery script), one after the other, on the web process's event
loop. ``group_send_many`` sends the same commands for every group of a notice in two
pipelines: two round trips.
"""

import logging
import time

from channels_redis.core import RedisChannelLayer

logger = logging.getLogger(__name__)

# channels-redis's own delivery script (RedisChannelLayer.group_send): each channel's key
# gets the message unless it holds its capacity already.
DELIVER = """
    local over_capacity = 0
    local current_time = ARGV[#ARGV - 1]
    local expiry = ARGV[#ARGV]
    for i=1,#KEYS do
        if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
            redis.call('ZADD', KEYS[i], current_time, ARGV[i])
            redis.call('EXPIRE', KEYS[i], expiry)
        else
            over_capacity = over_capacity + 1
        end
    end
    return over_capacity
"""


class NoticeChannelLayer(RedisChannelLayer):
    async def group_send_many(self, sends: list[tuple[str, dict]]) -> None:
        """``group_send`` of each (group, message), in order, as channels-redis does it."""
        if self.ring_size != 1:
            for group, message in sends:
                await self.group_send(group, message)
            return
        for group, _ in sends:
            assert self.require_valid_group_name(group), "Group name not valid"
        connection = self.connection(0)
        now = time.time()
        pipe = connection.pipeline(transaction=False)
        for group, _ in sends:
            key = self._group_key(group)
            pipe.zremrangebyscore(key, min=0, max=int(now) - self.group_expiry)
            pipe.zrange(key, 0, -1)
        members = (await pipe.execute())[1::2]

        pipe = connection.pipeline(transaction=False)
        delivered = []
        for (group, message), names in zip(sends, members, strict=True):
            if not names:
                continue
            channels = [name.decode("utf8") for name in names]
            _, messages, capacities = self._map_channel_keys_to_connection(channels, message)
            keys = list(messages)
            for key in keys:
                pipe.zremrangebyscore(key, min=0, max=int(now) - int(self.expiry))
            args = [messages[key] for key in keys] + [capacities[key] for key in keys]
            pipe.eval(DELIVER, len(keys), *keys, *args, now, self.expiry)
            delivered.append((group, len(channels), len(pipe.command_stack) - 1))
        if not delivered:
            return
        results = await pipe.execute()
        for group, channels, at in delivered:
            if results[at] > 0:
                logger.info(
                    "%s of %s channels over capacity in group %s", results[at], channels, group
                )
