/**
 * The public JRay API: {@link io.jray.api.JRay} is the entry point; everything an application
 * compiles against lives here, in {@code io.jray.api.exception}, and nothing else.
 */
package io.jray.api;
