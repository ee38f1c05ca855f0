"""A work-around for kombu 5.7.0's Redis transport: a worker that loses Redis while it holds a
task exits for good instead of reconnecting.

On a lost connection Celery closes the broken connection twice (collect(), then close()). In the
first, the Redis channel reads the reply of its pending BRPOP before closing (kombu#1733, so that
a message popped at shutdown is not lost); on a dead socket that read raises ConnectionError and
aborts the close before the channel is marked closed. kombu then detaches the transport from the
connection (client = None). In the second close the channel closes for real, tries to put its
held (unacknowledged) messages back, builds a new connection pool from the detached transport and
raises AttributeError ("'NoneType' object has no attribute 'hostname'"), which is not a connection
error: Celery calls it unrecoverable and the worker exits. Same symptom: kombu#582, kombu#970.

Two narrow patches, both kept to the closing path:
- a connection error while reading the pending BRPOP reply during close() counts as "no reply"
  (Empty), so the close goes on and restores the held messages when Redis is back in time;
- a pool asked for after the transport was detached raises a connection error, which the close
  ignores. A message it could not restore stays in Redis's unacked index and is delivered again
  after the visibility timeout (CELERY_VISIBILITY_TIMEOUT), as after a crashed worker.
The worker drops the messages it held (they cannot be acknowledged on a new connection), so each
task runs once. tests/tasks/test_broker_restart.py restarts a Redis under a worker holding a task.
Check the test against each new kombu release before removing this module.
"""

from queue import Empty

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

_brpop_read = kombu_redis.Channel._brpop_read
_connparams = kombu_redis.Channel._connparams


def _brpop_read_tolerant_while_closing(self, **options):
    try:
        return _brpop_read(self, **options)
    except self.connection_errors:
        if getattr(self, "_closing", False):
            raise Empty() from None  # close() goes on as if nothing had been popped
        raise


def _connparams_of_an_attached_transport(self, asynchronous=False):
    if self.connection.client is None:
        raise RedisConnectionError("The broker connection is closed.")
    return _connparams(self, asynchronous=asynchronous)


def apply():
    if getattr(kombu_redis.Channel, "_gvi_patched", False):
        return
    kombu_redis.Channel._brpop_read = _brpop_read_tolerant_while_closing
    kombu_redis.Channel._connparams = _connparams_of_an_attached_transport
    kombu_redis.Channel._gvi_patched = True
