/**
 * The commands: {@code timens} ({@link dev.timens.cli.TimensCommand}),
 * {@code timensctl} ({@link dev.timens.cli.TimensctlCommand}) and the
 * faketime-compatible launcher ({@link dev.timens.cli.FaketimeCommand}), with
 * the parsing of dates, durations and FAKETIME strings.
 */
package dev.timens.cli;
