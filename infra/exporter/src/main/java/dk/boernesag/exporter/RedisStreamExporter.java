package dk.boernesag.exporter;

import io.camunda.zeebe.exporter.api.Exporter;
import io.camunda.zeebe.exporter.api.context.Context;
import io.camunda.zeebe.exporter.api.context.Controller;
import io.camunda.zeebe.exporter.api.context.ScheduledTask;
import io.camunda.zeebe.protocol.record.Record;
import io.camunda.zeebe.protocol.record.RecordType;
import io.camunda.zeebe.protocol.record.ValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XTrimParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.StreamGroupInfo;
import redis.clients.jedis.resps.StreamPendingSummary;

/**
 * Exports Zeebe records as JSON into one Redis stream per value type ({@code <name>:<VALUE_TYPE>},
 * one field {@code record} per entry). Delivery is at-least-once: the broker's exported position
 * only advances after Redis acknowledged the batch holding the record.
 *
 * <p>export(), close() and the scheduled tasks all run on the exporter's actor thread, so no state
 * here needs synchronisation.
 */
public final class RedisStreamExporter implements Exporter {
  private static final long FAILURE_LOG_INTERVAL_MS = 60_000;

  private final List<Entry> buffer = new ArrayList<>();
  private final Set<String> streams = new TreeSet<>();

  private ExporterConfig config;
  private Logger log;
  private Controller controller;
  private Jedis jedis;
  private ScheduledTask flushTask;
  private ScheduledTask cleanupTask;
  private boolean closed;
  private long failingSince = -1;
  private long lastFailureLog;

  private record Entry(String stream, String json, long position) {}

  @Override
  public void configure(Context context) {
    log = context.getLogger();
    config = ExporterConfig.from(context.getConfiguration().getArguments(), System.getenv());
    final Set<RecordType> recordTypes = config.recordTypes;
    final Set<ValueType> valueTypes = config.valueTypes;
    context.setFilter(
        new Context.RecordFilter() {
          @Override
          public boolean acceptType(RecordType type) {
            return recordTypes.isEmpty() || recordTypes.contains(type);
          }

          @Override
          public boolean acceptValue(ValueType type) {
            return valueTypes.isEmpty() || valueTypes.contains(type);
          }
        });
    log.info(
        "Redis stream exporter configured: redis={} streams={}:* recordTypes={} valueTypes={} "
            + "batchSize={} batchCycle={} deleteAfterAcknowledge={} maxTimeToLiveSeconds={}",
        config.address(), config.name, all(recordTypes), all(valueTypes), config.batchSize,
        config.batchCycle, config.deleteAfterAcknowledge, config.maxTimeToLiveSeconds);
  }

  @Override
  public void open(Controller controller) {
    this.controller = controller;
    try {
      discoverStreams();
    } catch (RuntimeException e) {
      // Not fatal: records are buffered and flushing retries the connection.
      dropConnection();
      log.warn("Redis at {} not reachable on open, will retry: {}", config.address(), describe(e));
    }
    flushTask = controller.scheduleCancellableTask(config.batchCycle, this::flushCycle);
    if (config.cleanupEnabled()) {
      cleanupTask = controller.scheduleCancellableTask(config.cleanupCycle, this::cleanupCycle);
    }
    log.info("Redis stream exporter opened, exporting to {}", config.address());
  }

  @Override
  public void export(Record<?> record) {
    if (buffer.size() >= config.batchSize) {
      // Throwing keeps the buffer; the broker retries this same record later.
      flush();
    }
    buffer.add(
        new Entry(config.streamKey(record.getValueType()), record.toJson(), record.getPosition()));
  }

  @Override
  public void close() {
    closed = true;
    cancel(flushTask);
    cancel(cleanupTask);
    if (controller != null && !buffer.isEmpty()) {
      try {
        flush();
      } catch (RuntimeException e) {
        log.warn(
            "Could not flush {} buffered records to Redis at {} on close; they will be exported "
                + "again after restart: {}",
            buffer.size(), config.address(), describe(e));
      }
    }
    dropConnection();
  }

  private void flushCycle() {
    try {
      flush();
      if (failingSince >= 0) {
        log.info("Redis at {} reachable again, exporting resumed", config.address());
        failingSince = -1;
      }
    } catch (RuntimeException e) {
      final long now = System.currentTimeMillis();
      if (failingSince < 0 || now - lastFailureLog >= FAILURE_LOG_INTERVAL_MS) {
        log.warn(
            "Flushing {} records to Redis at {} failed, retrying every {} ms: {}",
            buffer.size(), config.address(), config.batchCycle.toMillis(), describe(e));
        lastFailureLog = now;
      }
      if (failingSince < 0) {
        failingSince = now;
      }
    } finally {
      if (!closed) {
        flushTask = controller.scheduleCancellableTask(config.batchCycle, this::flushCycle);
      }
    }
  }

  /** Writes the whole buffer in one MULTI/EXEC; on any failure the buffer is kept intact. */
  private void flush() {
    if (buffer.isEmpty()) {
      return;
    }
    try {
      final Jedis connection = connection();
      final List<Object> results;
      try (Transaction tx = connection.multi()) {
        final XAddParams params = XAddParams.xAddParams();
        for (Entry entry : buffer) {
          tx.xadd(entry.stream(), params, Map.of("record", entry.json()));
        }
        results = tx.exec();
      }
      if (results == null || results.size() != buffer.size()) {
        throw new IllegalStateException("Redis transaction was not executed");
      }
      for (Object result : results) {
        if (result instanceof Exception e) {
          throw new IllegalStateException("Redis rejected XADD: " + e.getMessage());
        }
      }
    } catch (RuntimeException e) {
      // A half-read reply or a dead socket would poison the next attempt; start afresh.
      dropConnection();
      throw new IllegalStateException(
          "Failed to write " + buffer.size() + " records to Redis at " + config.address(), e);
    }
    final long lastPosition = buffer.get(buffer.size() - 1).position();
    for (Entry entry : buffer) {
      streams.add(entry.stream());
    }
    buffer.clear();
    controller.updateLastExportedRecordPosition(lastPosition);
  }

  private void cleanupCycle() {
    try {
      for (String stream : List.copyOf(streams)) {
        try {
          cleanup(stream);
        } catch (JedisDataException e) {
          // A deleted key or a command Redis refuses on one stream must not stop the others.
          if (String.valueOf(e.getMessage()).contains("no such key")) {
            streams.remove(stream);
          } else {
            log.warn("Cleanup of {} failed: {}", stream, describe(e));
          }
        }
      }
    } catch (RuntimeException e) {
      dropConnection();
      log.warn("Redis stream cleanup at {} failed: {}", config.address(), describe(e));
    } finally {
      if (!closed) {
        cleanupTask = controller.scheduleCancellableTask(config.cleanupCycle, this::cleanupCycle);
      }
    }
  }

  private void cleanup(String stream) {
    final Jedis connection = connection();
    if (config.deleteAfterAcknowledge) {
      final StreamEntryID oldestNeeded = oldestNeededByGroups(connection, stream);
      if (oldestNeeded != null) {
        trim(connection, stream, oldestNeeded.toString(), "acknowledged by all groups");
      }
    }
    if (config.maxTimeToLiveSeconds > 0) {
      final long minMillis = System.currentTimeMillis() - config.maxTimeToLiveSeconds * 1000;
      trim(connection, stream, minMillis + "-0", "older than time to live");
    }
  }

  /** The smallest id any consumer group may still need, or null if the stream has no groups. */
  private static StreamEntryID oldestNeededByGroups(Jedis connection, String stream) {
    StreamEntryID oldest = null;
    for (StreamGroupInfo group : connection.xinfoGroups(stream)) {
      StreamEntryID needed = group.getLastDeliveredId();
      final StreamPendingSummary pending = connection.xpending(stream, group.getName());
      if (pending != null && pending.getTotal() > 0 && pending.getMinId() != null
          && pending.getMinId().compareTo(needed) < 0) {
        needed = pending.getMinId();
      }
      if (oldest == null || needed.compareTo(oldest) < 0) {
        oldest = needed;
      }
    }
    return oldest;
  }

  private void trim(Jedis connection, String stream, String minId, String reason) {
    final long removed = connection.xtrim(stream, XTrimParams.xTrimParams().minId(minId));
    if (removed > 0) {
      log.debug("Trimmed {} entries below {} from {} ({})", removed, minId, stream, reason);
    }
  }

  private void discoverStreams() {
    final ScanParams params = new ScanParams().match(globEscape(config.name) + ":*").count(500);
    String cursor = ScanParams.SCAN_POINTER_START;
    do {
      final ScanResult<String> page = connection().scan(cursor, params, "stream");
      streams.addAll(page.getResult());
      cursor = page.getCursor();
    } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
    if (!streams.isEmpty()) {
      log.debug("Found existing streams {}", streams);
    }
  }

  private Jedis connection() {
    if (jedis == null || jedis.isBroken() || !jedis.isConnected()) {
      dropConnection();
      jedis = new Jedis(
          new HostAndPort(config.host, config.port),
          DefaultJedisClientConfig.builder()
              .user(config.user)
              .password(config.password)
              .database(config.database)
              .ssl(config.ssl)
              .connectionTimeoutMillis(2_000)
              .socketTimeoutMillis(10_000)
              .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
              .build());
    }
    return jedis;
  }

  private void dropConnection() {
    if (jedis != null) {
      try {
        jedis.close();
      } catch (RuntimeException ignored) {
        // the socket is gone either way
      }
      jedis = null;
    }
  }

  private static void cancel(ScheduledTask task) {
    if (task != null) {
      task.cancel();
    }
  }

  private static String globEscape(String s) {
    return s.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
  }

  private static String all(Set<?> set) {
    return set.isEmpty() ? "ALL" : set.toString();
  }

  /** Exception chain as "Type: message" pairs, no stack trace (Jedis never puts the password in). */
  private static String describe(Throwable e) {
    final StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (sb.length() > 0) {
        sb.append(" <- ");
      }
      sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
    }
    return sb.toString();
  }
}
