package io.jray.common.session;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import io.jray.common.config.JRayConfig;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/** Points a JRay process's log at its file in the session directory (one file per process). */
public final class LogSetup {
  private LogSetup() {}

  public static void toFile(Path file) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return; // the application brought another slf4j backend: leave its configuration alone
    }
    ctx.reset();
    PatternLayoutEncoder enc = new PatternLayoutEncoder();
    enc.setContext(ctx);
    enc.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n");
    enc.start();
    FileAppender<ILoggingEvent> app = new FileAppender<>();
    app.setContext(ctx);
    app.setName("file");
    app.setFile(file.toString());
    app.setAppend(true);
    app.setEncoder(enc);
    app.start();
    ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(app);
    root.setLevel(Level.toLevel(JRayConfig.get(JRayConfig.LOG_LEVEL), Level.INFO));
    ctx.getLogger("io.grpc").setLevel(Level.WARN);
    ctx.getLogger("io.grpc.netty").setLevel(Level.WARN);
    ctx.getLogger("org.apache.fory").setLevel(Level.WARN);
  }
}
