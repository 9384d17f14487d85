/**
 * JUnit 5 tests at another date, in the test JVM itself: {@link dev.timens.junit.TimeTravel}
 * on a class or method moves the JVM's own clocks (timensctl attach), and
 * {@link dev.timens.junit.TimeControl} moves them mid-test.
 */
package dev.timens.junit;
