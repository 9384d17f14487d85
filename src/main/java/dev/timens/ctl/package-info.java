/**
 * Live namespaces: the control socket every running timens serves
 * ({@link dev.timens.ctl.ControlServer}, {@link dev.timens.ctl.Protocol}), what
 * {@code timensctl} and a nested {@code timens} use to reach it
 * ({@link dev.timens.ctl.ControlClient}), and the door through which commands
 * are started inside a running namespace ({@link dev.timens.ctl.Door}).
 */
package dev.timens.ctl;
