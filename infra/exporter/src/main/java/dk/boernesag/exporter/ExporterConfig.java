package dk.boernesag.exporter;

import io.camunda.zeebe.protocol.record.RecordType;
import io.camunda.zeebe.protocol.record.ValueType;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Exporter settings. Each setting is read from the environment variable {@code ZEEBE_REDIS_<NAME>}
 * first, then from the exporter args. Arg keys are compared ignoring case, '_', '-' and '.',
 * because Spring lower-cases keys that come from environment variables.
 */
final class ExporterConfig {
  static final String ENV_PREFIX = "ZEEBE_REDIS_";

  final String host;
  final int port;
  final boolean ssl;
  final int database;
  final String user;
  final String password;
  final String name;
  final Set<RecordType> recordTypes;
  final Set<ValueType> valueTypes;
  final long maxTimeToLiveSeconds;
  final boolean deleteAfterAcknowledge;
  final int batchSize;
  final Duration batchCycle;
  final Duration cleanupCycle;

  private ExporterConfig(Settings s) {
    final URI uri = parseAddress(s.get("REMOTE_ADDRESS"));
    host = uri.getHost();
    port = uri.getPort() > 0 ? uri.getPort() : 6379;
    ssl = "rediss".equalsIgnoreCase(uri.getScheme());
    database = parseDatabase(uri.getPath());

    String urlUser = null;
    String urlPassword = null;
    final String userInfo = uri.getUserInfo();
    if (userInfo != null && !userInfo.isEmpty()) {
      final int colon = userInfo.indexOf(':');
      if (colon < 0) {
        urlPassword = userInfo;
      } else {
        urlUser = userInfo.substring(0, colon);
        urlPassword = userInfo.substring(colon + 1);
      }
    }
    user = blankToNull(urlUser);
    final String explicitPassword = blankToNull(s.get("PASSWORD"));
    password = explicitPassword != null ? explicitPassword : blankToNull(urlPassword);

    name = orDefault(s.get("NAME"), "zeebe");
    final String format = orDefault(s.get("FORMAT"), "json");
    if (!format.equalsIgnoreCase("json")) {
      throw new IllegalArgumentException(
          "Unsupported " + ENV_PREFIX + "FORMAT '" + format + "': only 'json' is supported");
    }
    recordTypes = parseEnums(s.get("ENABLED_RECORD_TYPES"), RecordType.class, "ENABLED_RECORD_TYPES");
    valueTypes = parseEnums(s.get("ENABLED_VALUE_TYPES"), ValueType.class, "ENABLED_VALUE_TYPES");
    maxTimeToLiveSeconds = parseLong(s, "MAX_TIME_TO_LIVE_IN_SECONDS", 0);
    deleteAfterAcknowledge = parseBoolean(s, "DELETE_AFTER_ACKNOWLEDGE");
    batchSize = (int) positive(s, "BATCH_SIZE", 250);
    batchCycle = Duration.ofMillis(positive(s, "BATCH_CYCLE_MILLIS", 100));
    cleanupCycle = Duration.ofSeconds(positive(s, "CLEANUP_CYCLE_IN_SECONDS", 60));
  }

  static ExporterConfig from(Map<String, Object> args, Map<String, String> env) {
    return new ExporterConfig(new Settings(args, env));
  }

  /** Where we export to, safe to log: never contains credentials. */
  String address() {
    return host + ":" + port;
  }

  String streamKey(ValueType valueType) {
    return name + ":" + valueType.name();
  }

  boolean cleanupEnabled() {
    return deleteAfterAcknowledge || maxTimeToLiveSeconds > 0;
  }

  private static URI parseAddress(String value) {
    // Messages below must not echo the value: it may carry a password.
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(ENV_PREFIX + "REMOTE_ADDRESS is required (redis://host:port)");
    }
    final URI uri;
    try {
      uri = new URI(value.trim());
    } catch (Exception e) {
      throw new IllegalArgumentException(ENV_PREFIX + "REMOTE_ADDRESS is not a valid redis:// URL");
    }
    final String scheme = uri.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("redis") || scheme.equalsIgnoreCase("rediss"))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          ENV_PREFIX + "REMOTE_ADDRESS must look like redis://host:port (or rediss://)");
    }
    return uri;
  }

  private static int parseDatabase(String path) {
    if (path == null || path.isEmpty() || path.equals("/")) {
      return 0;
    }
    try {
      return Integer.parseInt(path.substring(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          ENV_PREFIX + "REMOTE_ADDRESS path must be a database number, e.g. redis://host:6379/0");
    }
  }

  private static <E extends Enum<E>> Set<E> parseEnums(String value, Class<E> type, String key) {
    final Set<E> result = EnumSet.noneOf(type);
    if (value == null) {
      return result;
    }
    for (String raw : value.split(",")) {
      final String item = raw.trim().toUpperCase(Locale.ROOT);
      if (item.isEmpty()) {
        continue;
      }
      try {
        result.add(Enum.valueOf(type, item));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            ENV_PREFIX + key + ": unknown value '" + item + "'; expected one of "
                + Arrays.toString(type.getEnumConstants()));
      }
    }
    return result;
  }

  private static long parseLong(Settings s, String key, long fallback) {
    final String value = s.get(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(ENV_PREFIX + key + " must be an integer, got '" + value + "'");
    }
  }

  private static long positive(Settings s, String key, long fallback) {
    final long value = parseLong(s, key, fallback);
    if (value <= 0 || value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(ENV_PREFIX + key + " must be a positive integer, got " + value);
    }
    return value;
  }

  private static boolean parseBoolean(Settings s, String key) {
    final String value = s.get(key);
    if (value == null || value.isBlank()) {
      return false;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new IllegalArgumentException(
          ENV_PREFIX + key + " must be true or false, got '" + value + "'");
    };
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  private static String blankToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private static final class Settings {
    private final Map<String, String> args = new HashMap<>();
    private final Map<String, String> env;

    Settings(Map<String, Object> rawArgs, Map<String, String> env) {
      this.env = env;
      if (rawArgs != null) {
        rawArgs.forEach((k, v) -> args.put(normalize(k), stringify(v)));
      }
    }

    String get(String upperSnakeKey) {
      final String fromEnv = env.get(ENV_PREFIX + upperSnakeKey);
      return fromEnv != null ? fromEnv : args.get(normalize(upperSnakeKey));
    }

    private static String normalize(String key) {
      return key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    private static String stringify(Object value) {
      if (value == null) {
        return null;
      }
      if (value instanceof Collection<?> c) {
        return c.stream().map(String::valueOf).collect(Collectors.joining(","));
      }
      if (value instanceof Map<?, ?> m) {
        // Spring binds YAML lists of an untyped map as {"0": a, "1": b}.
        return m.values().stream().map(String::valueOf).collect(Collectors.joining(","));
      }
      return String.valueOf(value);
    }
  }
}
