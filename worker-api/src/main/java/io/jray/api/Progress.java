package io.jray.api;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Shows how far a wait on many refs has got: on a terminal a live bar redrawn in place (done/total,
 * percentage, rate and ETA), otherwise (output to a file or a pipe, {@code System.console() == null})
 * a plain line every few seconds and one at the end. Written to {@code System.err} unless told
 * otherwise, so a program's own output stays clean.
 *
 * <pre>{@code
 * List<Integer> squares = JRay.get(refs, Progress.bar("squares"));
 * // or: Progress.track(refs, "squares")
 * }</pre>
 *
 * <p>Counting waits on the refs without fetching their values ({@link JRay#wait}); the values are
 * fetched once all are ready, so a failed task raises its exception then, as {@link JRay#get(List)}
 * would. Each {@code Progress} is a description of how to show progress and can be used for any
 * number of waits, one after the other.
 */
public final class Progress {
    private static final Duration TERMINAL_REFRESH = Duration.ofMillis(200);
    private static final Duration DEFAULT_LINE_INTERVAL = Duration.ofSeconds(5);
    private static final int BAR_WIDTH = 30;

    private final String label;
    private final PrintStream out;
    private final Boolean terminal;
    private final Duration lineInterval;

    private Progress(String label, PrintStream out, Boolean terminal, Duration lineInterval) {
        this.label = label;
        this.out = out;
        this.terminal = terminal;
        this.lineInterval = lineInterval;
    }

    /** Progress labelled {@code label}, drawn as a bar on a terminal and as lines otherwise. */
    public static Progress bar(String label) {
        Objects.requireNonNull(label, "label must not be null");
        return new Progress(label, System.err, null, DEFAULT_LINE_INTERVAL);
    }

    /** Waits for every ref with a progress bar labelled {@code label}, then returns their values in order. */
    public static <T> List<T> track(List<ObjectRef<T>> refs, String label) {
        return bar(label).get(refs);
    }

    /** The same, written to {@code out} instead of {@code System.err}. */
    public Progress to(PrintStream out) {
        return new Progress(label, Objects.requireNonNull(out, "out must not be null"), terminal, lineInterval);
    }

    /** The same, with a plain line (not a bar) every {@code interval} whatever the console, e.g. for logs. */
    public Progress lines(Duration interval) {
        Objects.requireNonNull(interval, "interval must not be null");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be > 0, got " + interval);
        }
        return new Progress(label, out, false, interval);
    }

    /** Waits for every ref while showing progress, then returns their values in order ({@link JRay#get(List)}). */
    public <T> List<T> get(List<ObjectRef<T>> refs) {
        waitAll(refs);
        return JRay.get(refs);
    }

    /** Waits until every ref is ready (a failed one counts as ready) while showing progress. */
    public <T> void waitAll(List<ObjectRef<T>> refs) {
        Objects.requireNonNull(refs, "refs must not be null");
        boolean bar = terminal != null ? terminal : System.console() != null;
        Duration tick = bar ? TERMINAL_REFRESH : lineInterval;
        int total = refs.size();
        long start = System.nanoTime();
        List<ObjectRef<T>> left = refs;
        int done = 0;
        show(bar, done, total, start, false);
        while (!left.isEmpty()) {
            WaitResult<T> r = JRay.wait(left, left.size(), tick);
            done += r.ready().size();
            left = r.unready();
            show(bar, done, total, start, left.isEmpty());
        }
    }

    private void show(boolean bar, int done, int total, long startNanos, boolean last) {
        double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        double rate = done / seconds;
        String eta = done == 0 ? "?" : formatSeconds((total - done) / rate);
        String counts = String.format("%s: %d/%d (%s) %.1f/s, ETA %s", label, done, total,
                total == 0 ? "100%" : (100L * done / total) + "%", rate, last ? "0s" : eta);
        if (bar) {
            int filled = total == 0 ? BAR_WIDTH : (int) ((long) BAR_WIDTH * done / total);
            out.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(BAR_WIDTH - filled) + "] "
                    + counts.substring(label.length() + 2) + (last ? " in " + formatSeconds(seconds) + "\n" : ""));
        } else {
            out.println(counts + (last ? ", done in " + formatSeconds(seconds) : ""));
        }
        out.flush();
    }

    private static String formatSeconds(double s) {
        if (s < 60) {
            return String.format("%.1fs", s);
        }
        long whole = (long) s;
        return whole < 3600 ? String.format("%dm%02ds", whole / 60, whole % 60)
                : String.format("%dh%02dm", whole / 3600, whole % 3600 / 60);
    }
}
