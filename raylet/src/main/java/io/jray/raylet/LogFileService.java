package io.jray.raylet;

import static io.jray.common.grpc.LoopCall.require;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jray.api.NodeId;
import io.jray.common.grpc.LoopCall;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.ListLogsReply;
import io.jray.proto.ListLogsRequest;
import io.jray.proto.LogFile;
import io.jray.proto.NodeLogServiceGrpc;
import io.jray.proto.ReadLogReply;
import io.jray.proto.ReadLogRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/**
 * {@code NodeLogService}: the session's log files as this node's raylet sees them ({@code jray
 * logs}). Only regular files inside the session's {@code logs/} directory can be read: a name
 * that is absolute, climbs out with {@code ..}, or resolves (through a link) outside it is
 * refused with INVALID_ARGUMENT, an absent one is NOT_FOUND.
 *
 * <p>Threads: each call's file IO runs on a virtual thread of its own, off the netty threads.
 */
final class LogFileService extends NodeLogServiceGrpc.NodeLogServiceImplBase {
  static final int DEFAULT_TAIL_LINES = 100;
  static final int DEFAULT_MAX_BYTES = 1 << 20;
  static final int MAX_BYTES = 4 << 20;
  private final Path logs;
  private final NodeId node;

  LogFileService(Path logs, NodeId node) {
    this.logs = logs.toAbsolutePath().normalize();
    this.node = node;
  }

  @Override
  public void listLogs(ListLogsRequest req, StreamObserver<ListLogsReply> reply) {
    Thread.ofVirtual().name("log-list").start(() -> LoopCall.answerHere(reply, () -> {
      ListLogsReply.Builder b = ListLogsReply.newBuilder().setNodeId(ProtoIds.bytes(node));
      try (Stream<Path> files = Files.walk(logs, 2)) {
        for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
          b.addFiles(LogFile.newBuilder().setName(logs.relativize(p).toString()).setSize(Files.size(p))
              .setModifiedMs(Files.getLastModifiedTime(p).toMillis()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return b.build();
    }));
  }

  @Override
  public void readLog(ReadLogRequest req, StreamObserver<ReadLogReply> reply) {
    Thread.ofVirtual().name("log-read").start(() -> LoopCall.answerHere(reply, () -> {
      require(req.getMaxBytes() >= 0 && req.getMaxBytes() <= MAX_BYTES, "max_bytes must be 0.." + MAX_BYTES
          + " (0: " + DEFAULT_MAX_BYTES + "), got " + req.getMaxBytes());
      require(req.getTailLines() >= 0, "tail_lines must be >= 0, got " + req.getTailLines());
      int max = req.getMaxBytes() == 0 ? DEFAULT_MAX_BYTES : req.getMaxBytes();
      Path file = resolve(req.getName());
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        long size = ch.size();
        if (req.getOffset() >= 0) {
          long from = Math.min(req.getOffset(), size); // a file that shrank (rotated) is read from its end
          byte[] data = read(ch, from, (int) Math.min(max, size - from));
          return ReadLogReply.newBuilder().setData(ByteString.copyFrom(data)).setNextOffset(from + data.length)
              .setSize(size).build();
        }
        int lines = req.getTailLines() == 0 ? DEFAULT_TAIL_LINES : req.getTailLines();
        long from = Math.max(0, size - max);
        byte[] data = read(ch, from, (int) (size - from));
        int start = tailStart(data, lines);
        return ReadLogReply.newBuilder().setData(ByteString.copyFrom(data, start, data.length - start))
            .setNextOffset(size).setSize(size).build();
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("cannot read log " + req.getName() + ": " + e.getMessage())
            .asRuntimeException();
      }
    }));
  }

  /** The file {@code name} names inside the logs directory, or a status saying why not. */
  Path resolve(String name) {
    require(!name.isBlank(), "name is empty: give a file name from 'jray logs' (relative to the logs directory)");
    require(!name.contains("\0"), "name contains a NUL character");
    Path rel = Path.of(name);
    require(!rel.isAbsolute(), "name '" + name + "' must be relative to the session's logs directory");
    Path p = logs.resolve(rel).normalize();
    require(p.startsWith(logs) && !p.equals(logs), "name '" + name + "' is outside the session's logs directory");
    if (!Files.isRegularFile(p)) {
      throw Status.NOT_FOUND.withDescription("no log file '" + name + "' on node " + node + " (jray logs --node "
          + node + " lists them)").asRuntimeException();
    }
    try {
      require(p.toRealPath().startsWith(logs.toRealPath()), "name '" + name + "' leads outside the session's logs"
          + " directory");
    } catch (IOException e) {
      throw Status.NOT_FOUND.withDescription("cannot open log '" + name + "': " + e.getMessage()).asRuntimeException();
    }
    return p;
  }

  private static byte[] read(FileChannel ch, long from, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (ch.read(b, from + b.position()) < 0) {
        break;
      }
    }
    return b.position() == n ? b.array() : java.util.Arrays.copyOf(b.array(), b.position());
  }

  /** Where the last {@code lines} lines of {@code data} begin (a trailing newline ends the last line). */
  static int tailStart(byte[] data, int lines) {
    int end = data.length;
    if (end > 0 && data[end - 1] == '\n') {
      end--;
    }
    int seen = 0;
    for (int i = end - 1; i >= 0; i--) {
      if (data[i] == '\n' && ++seen == lines) {
        return i + 1;
      }
    }
    return 0;
  }

}
