package dev.portcullis.bench;

import dev.portcullis.gateway.audit.AuditEventWriter;
import dev.portcullis.gateway.audit.EventIds;
import dev.portcullis.gateway.audit.Journal;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Sustained journal throughput with group commit: two producer threads (as many as this machine has
 * cores) encode access events and append them, each keeping up to 1024 appends in flight, as event
 * loops do; an operation is one event accepted by the writer. The fsync runs every
 * {@code commitInterval}, on a real file in a temporary directory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class JournalBenchmark {

  @Param({"plain", "aes-gcm"})
  public String segments;

  private Path dir;
  private Journal journal;
  private EventIds ids;

  @State(Scope.Thread)
  public static class Window {
    final Semaphore inFlight = new Semaphore(1024);
  }

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("journal-bench");
    byte[] key = segments.equals("aes-gcm") ? new byte[32] : null;
    ids = new EventIds("bench");
    journal = Journal.open(new Journal.Settings(dir.resolve("audit"), Duration.ofMillis(5), 64L * 1024 * 1024,
        Duration.ofDays(1), null, key, dir.resolve("key.pem"), 65_536, Duration.ofMillis(500)),
        Clock.systemUTC(), ids);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    journal.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  @Threads(2)
  public void append(Window window) throws InterruptedException {
    byte[] event = AuditEventWriter.event("access", ids.next(), Instant.now(), "bench")
        .put("requestId", "3f2a9c1e-8d7b-4e1a-9c3f-5b6d7e8f9a0b").put("route", "records")
        .put("method", "GET").put("path", "/api/records/r-1001").put("client", "192.0.2.10")
        .put("tenant", "acme").put("subject", "p_Zm9vYmFyYmF6cXV4cXV1eA").put("authMethod", "session")
        .put("decision", "allow").putMillis("latencyMs", 183_000).bytes();
    window.inFlight.acquire();
    journal.append(event, false).onComplete(ar -> window.inFlight.release());
  }
}
