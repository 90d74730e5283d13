package io.jray.api;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code JRayTaskOverloads.java} is what {@code src/build/generate_task_overloads.py} writes, and
 * {@code JRay} offers every overload it holds as {@code JRay.task}.
 */
class TaskOverloadsGeneratedTest {
    private static final Path GENERATOR = Path.of("src/build/generate_task_overloads.py");
    private static final Path GENERATED = Path.of("src/main/java/io/jray/api/JRayTaskOverloads.java");

    @Test
    void theCommittedFileIsTheGeneratorsOutput() throws Exception {
        String python = findPython3();
        Assumptions.assumeTrue(python != null,
                "python3 is not on PATH: cannot check JRayTaskOverloads.java against its generator");
        Process p = new ProcessBuilder(python, GENERATOR.toString(), "--stdout").redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "generator did not finish");
        assertEquals(0, p.exitValue(), () -> "generator failed: " + new String(out, StandardCharsets.UTF_8));
        assertEquals(new String(out, StandardCharsets.UTF_8), Files.readString(GENERATED),
                "JRayTaskOverloads.java differs from the generator's output: edit " + GENERATOR
                        + " and run `python3 worker-api/" + GENERATOR + "`, never the generated file");
    }

    private static String findPython3() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "python3");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    @Test
    void jrayOffersEveryValueOrRefMixForEveryArityAsAPublicStaticTask() {
        Set<String> expected = new TreeSet<>();
        for (String kind : List.of("Func", "VoidFunc")) {
            for (int arity = 0; arity <= 6; arity++) {
                for (int mask = 0; mask < 1 << arity; mask++) {
                    List<String> params = new ArrayList<>(List.of(kind + arity));
                    for (int i = 0; i < arity; i++) {
                        params.add((mask & 1 << (arity - 1 - i)) != 0 ? "ObjectRef" : "Object");
                    }
                    expected.add(String.join(",", params));
                }
            }
        }
        Set<String> actual = new TreeSet<>();
        for (Method m : JRay.class.getMethods()) {
            if (m.getName().equals("task")) {
                assertTrue(Modifier.isStatic(m.getModifiers()), m::toString);
                assertEquals(TaskCaller.class, m.getReturnType(), m::toString);
                List<String> params = new ArrayList<>();
                for (Class<?> c : m.getParameterTypes()) {
                    params.add(c.getSimpleName());
                }
                actual.add(String.join(",", params));
            }
        }
        assertEquals(254, expected.size());
        assertEquals(expected, actual);
    }
}
