package io.jray.examples;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.Remote;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Counts words with map and reduce tasks: one task counts each document, then merge tasks combine
 * the counts pairwise, taking the earlier tasks' results as {@link ObjectRef} arguments so the
 * partial counts never pass through the driver. The text is generated from a fixed seed and the
 * result is checked against a local count. Usage: {@code WordCount [documents] [wordsPerDocument]}.
 */
public final class WordCount {
  private static final String[] VOCABULARY = {
      "the", "of", "and", "to", "in", "a", "is", "that", "for", "it",
      "as", "was", "with", "be", "by", "on", "not", "he", "this", "are",
      "or", "his", "from", "at", "which", "but", "have", "an", "had", "they",
      "you", "were", "their", "one", "all", "we", "can", "her", "has", "there",
      "been", "if", "more", "when", "will", "would", "who", "so", "no", "ray"};

  private WordCount() {}

  /** Map: how often each word occurs in {@code document}. */
  @Remote
  public static Map<String, Long> countWords(String document) {
    Map<String, Long> counts = new HashMap<>();
    for (String word : document.split("\\s+")) {
      if (!word.isEmpty()) {
        counts.merge(word, 1L, Long::sum);
      }
    }
    return counts;
  }

  /** Reduce: the counts of {@code a} and {@code b} added up. */
  @Remote
  public static Map<String, Long> merge(Map<String, Long> a, Map<String, Long> b) {
    Map<String, Long> merged = new HashMap<>(a);
    b.forEach((word, count) -> merged.merge(word, count, Long::sum));
    return merged;
  }

  /** Deterministic text: the same arguments always give the same documents. */
  static List<String> generateDocuments(int documents, int wordsPerDocument) {
    Random random = new Random(42);
    List<String> result = new ArrayList<>(documents);
    for (int d = 0; d < documents; d++) {
      StringBuilder sb = new StringBuilder(wordsPerDocument * 6);
      for (int w = 0; w < wordsPerDocument; w++) {
        // Squaring skews the draw towards the front of the vocabulary, so the top 10 stands out
        // the way it does in real text instead of every word tying.
        double u = random.nextDouble();
        sb.append(VOCABULARY[(int) (u * u * VOCABULARY.length)]).append(' ');
      }
      result.add(sb.toString());
    }
    return result;
  }

  public static void main(String[] args) {
    int documents = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int wordsPerDocument = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    if (documents < 1 || wordsPerDocument < 0) {
      throw new IllegalArgumentException("Usage: WordCount [documents >= 1] [wordsPerDocument >= 0]");
    }
    List<String> texts = generateDocuments(documents, wordsPerDocument);
    JRay.init();
    try {
      long start = System.nanoTime();
      List<ObjectRef<Map<String, Long>>> level = new ArrayList<>(documents);
      for (String text : texts) {
        level.add(JRay.task(WordCount::countWords, text).remote());
      }
      // A tree of merges rather than a chain: log2(documents) rounds, each merging in parallel.
      int mergeTasks = 0;
      while (level.size() > 1) {
        List<ObjectRef<Map<String, Long>>> next = new ArrayList<>((level.size() + 1) / 2);
        for (int i = 0; i + 1 < level.size(); i += 2) {
          next.add(JRay.task(WordCount::merge, level.get(i), level.get(i + 1)).remote());
          mergeTasks++;
        }
        if (level.size() % 2 == 1) {
          next.add(level.get(level.size() - 1)); // the odd one out joins the next round
        }
        level = next;
      }
      Map<String, Long> counts = JRay.get(level.get(0));
      double seconds = (System.nanoTime() - start) / 1e9;

      Map<String, Long> local = new HashMap<>();
      for (String text : texts) {
        local = merge(local, countWords(text));
      }
      boolean ok = counts.equals(local);
      System.out.printf("%d documents x %,d words: %d count tasks + %d merge tasks, %.2f s: %s%n", documents,
          wordsPerDocument, documents, mergeTasks, seconds, ok ? "OK" : "MISMATCH");
      if (!ok) {
        throw new IllegalStateException("Remote word count differs from the local one: " + counts + " vs " + local);
      }

      List<Map.Entry<String, Long>> top = new ArrayList<>(counts.entrySet());
      top.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
          .thenComparing(Map.Entry.comparingByKey()));
      System.out.println("top 10 words:");
      for (Map.Entry<String, Long> e : top.subList(0, Math.min(10, top.size()))) {
        System.out.printf("  %-8s %,d%n", e.getKey(), e.getValue());
      }
      long total = counts.values().stream().mapToLong(Long::longValue).sum();
      System.out.printf("total words: %,d%n", total);
    } finally {
      JRay.shutdown();
    }
  }
}
