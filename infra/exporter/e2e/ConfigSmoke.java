import dk.boernesag.exporter.RedisStreamExporter;
import io.camunda.zeebe.exporter.api.context.Configuration;
import io.camunda.zeebe.exporter.api.context.Context;
import io.camunda.zeebe.protocol.record.RecordType;
import io.camunda.zeebe.protocol.record.ValueType;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.helpers.MessageFormatter;

/**
 * JUnit-free smoke check of configure()/close() through the public exporter API, without Redis.
 * Run by e2e/config_smoke.sh (java single-file source launch, exporter jar + broker libs on the
 * classpath). Must run without ZEEBE_REDIS_* variables in the environment.
 */
public class ConfigSmoke {
  static int passed;
  static int failed;

  public static void main(String[] args) {
    final String secret = "pw-Very-Secret";

    var ok = configure(Map.of("remoteAddress", "redis://:" + secret + "@cache.example:6390/2",
        "enabledRecordTypes", "event", "batchSize", 10));
    check("camelCase args accepted", ok.error == null, String.valueOf(ok.error));
    check("record type filter", ok.filter.acceptType(RecordType.EVENT)
        && !ok.filter.acceptType(RecordType.COMMAND), "");
    check("empty value types = all", ok.filter.acceptValue(ValueType.DEPLOYMENT), "");
    check("logs host:port", ok.logs.stream().anyMatch(l -> l.contains("cache.example:6390")), ok.logs.toString());
    check("never logs the password", ok.logs.stream().noneMatch(l -> l.contains(secret)), ok.logs.toString());

    var lower = configure(Map.of("remoteaddress", "redis://127.0.0.1:1", "enabledvaluetypes",
        "JOB, process_instance", "enabled_record_types", List.of("EVENT", "COMMAND_REJECTION")));
    check("lower-cased and list args accepted", lower.error == null, String.valueOf(lower.error));
    check("value type filter", lower.filter.acceptValue(ValueType.JOB)
        && lower.filter.acceptValue(ValueType.PROCESS_INSTANCE)
        && !lower.filter.acceptValue(ValueType.DEPLOYMENT), "");
    check("list record types", lower.filter.acceptType(RecordType.COMMAND_REJECTION)
        && !lower.filter.acceptType(RecordType.COMMAND), "");

    expectError("format other than json rejected",
        Map.of("remoteAddress", "redis://h:1", "format", "protobuf"), "FORMAT");
    expectError("missing address rejected", Map.of(), "REMOTE_ADDRESS is required");
    expectError("bad scheme rejected without echoing credentials",
        Map.of("remoteAddress", "http://u:" + secret + "@h:1"), "REMOTE_ADDRESS must look like");
    expectError("unknown record type rejected",
        Map.of("remoteAddress", "redis://h:1", "enabledRecordTypes", "EVENTS"), "unknown value 'EVENTS'");
    expectError("non-numeric batch size rejected",
        Map.of("remoteAddress", "redis://h:1", "batchSize", "lots"), "BATCH_SIZE");

    try {
      new RedisStreamExporter().close();
      configure(Map.of("remoteAddress", "redis://h:1")).exporter.close();
      check("close() without open() is safe", true, "");
    } catch (RuntimeException e) {
      check("close() without open() is safe", false, e.toString());
    }

    System.out.println(passed + " passed, " + failed + " failed");
    System.exit(failed == 0 ? 0 : 1);
  }

  record Outcome(RedisStreamExporter exporter, Context.RecordFilter filter, List<String> logs,
      Exception error) {}

  static Outcome configure(Map<String, Object> arguments) {
    final List<String> logs = new ArrayList<>();
    final Context.RecordFilter[] filter = new Context.RecordFilter[1];
    final Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
        new Class<?>[] {Logger.class}, (proxy, method, a) -> {
          if (method.getReturnType() == boolean.class) {
            return true;
          }
          if (a != null && a.length > 0 && a[0] instanceof String fmt) {
            final Object[] rest = a.length == 2 && a[1] instanceof Object[] arr ? arr
                : java.util.Arrays.copyOfRange(a, 1, a.length);
            logs.add(MessageFormatter.arrayFormat(fmt, rest).getMessage());
          }
          return null;
        });
    final Configuration configuration = new Configuration() {
      public String getId() { return "redis"; }
      public Map<String, Object> getArguments() { return arguments; }
      public <T> T instantiate(Class<T> type) { throw new UnsupportedOperationException(); }
    };
    final Context context = new Context() {
      public Logger getLogger() { return logger; }
      public Configuration getConfiguration() { return configuration; }
      public int getPartitionId() { return 1; }
      public void setFilter(RecordFilter f) { filter[0] = f; }
    };
    final RedisStreamExporter exporter = new RedisStreamExporter();
    try {
      exporter.configure(context);
      return new Outcome(exporter, filter[0], logs, null);
    } catch (Exception e) {
      return new Outcome(exporter, filter[0], logs, e);
    }
  }

  static void expectError(String name, Map<String, Object> arguments, String fragment) {
    final Exception e = configure(arguments).error;
    final String message = e == null ? "no error" : e.getMessage();
    check(name, e != null && message.contains(fragment) && !message.contains("pw-Very-Secret"), message);
  }

  static void check(String name, boolean ok, String detail) {
    if (ok) {
      passed++;
    } else {
      failed++;
    }
    System.out.println((ok ? "[PASS] " : "[FAIL] ") + name + (ok ? "" : " :: " + detail));
  }
}
