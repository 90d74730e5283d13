package io.jray.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks code that may run remotely and carries its default options. Workers refuse to run
 * anything not marked, so a stray method reference cannot execute arbitrary code on the cluster.
 * On a class it covers every public method (inherited and interface default methods included);
 * an actor's resources and restart options come from the class, never from its methods. Options
 * given on the call override these defaults.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Remote {
    /** CPUs needed while the task runs (an actor: see DESIGN §3 for when it holds them). */
    double numCpus() default 1.0;

    /** GPUs needed. */
    double numGpus() default 0;

    /** Memory to reserve, in MiB; 0 means none reserved. */
    long memoryMb() default 0;

    /** Custom resources, each {@code "name=amount"}. */
    String[] resources() default {};

    /** Retries of a task whose worker died; -1 means unlimited. */
    int maxRetries() default 3;

    /** Restarts of an actor after its process died; -1 means unlimited. */
    int maxRestarts() default 0;

    /** Retries of an actor call interrupted by an actor restart; -1 means unlimited. */
    int maxTaskRetries() default 0;

    /** Actor calls that may run at the same time on one actor. */
    int maxConcurrency() default 1;
}
