package io.brguard.policy.schedule;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schedule parser and its next activation, held to robfig/cron v1.2.0 (the version TiDB Operator v1 pins):
 * the cases of spec_test.go TestActivation and TestNext whose seconds field is 0, written as the five fields
 * ParseStandard reads (their 6-field specs without the seconds; their 5-field ones, whose day of week is optional
 * there, with a {@code *} day of week), and parser_test.go's errors and descriptors.
 */
class CronTest {
    private static final DateTimeFormatter SHORT = DateTimeFormatter.ofPattern("EEE MMM d HH:mm yyyy", Locale.US);
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    private static Cron cron(String spec) {
        Cron.Parsed p = Cron.parse(spec);
        assertInstanceOf(Cron.Valid.class, p, spec + ": " + p);
        return ((Cron.Valid) p).cron();
    }

    private static ZonedDateTime at(String text) {
        if (Character.isDigit(text.charAt(0))) {
            return ZonedDateTime.parse(text, DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxx")).withZoneSameInstant(NEW_YORK);
        }
        return java.time.LocalDateTime.parse(text, SHORT).atZone(ZoneOffset.UTC);
    }

    /** spec_test.go TestActivation: does the schedule fire exactly at the time (Next of one second before)? */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Mon Jul 9 15:00 2012 | 0/15 * * * * | true",
            "Mon Jul 9 15:45 2012 | 0/15 * * * * | true",
            "Mon Jul 9 15:40 2012 | 0/15 * * * * | false",
            "Mon Jul 9 15:05 2012 | 5/15 * * * * | true",
            "Mon Jul 9 15:20 2012 | 5/15 * * * * | true",
            "Mon Jul 9 15:50 2012 | 5/15 * * * * | true",
            "Sun Jul 15 15:00 2012 | 0/15 * * Jul * | true",
            "Sun Jul 15 15:00 2012 | 0/15 * * Jun * | false",
            "Sun Jul 15 08:30 2012 | 30 08 ? Jul Sun | true",
            "Sun Jul 15 08:30 2012 | 30 08 15 Jul ? | true",
            "Mon Jul 16 08:30 2012 | 30 08 ? Jul Sun | false",
            "Mon Jul 16 08:30 2012 | 30 08 15 Jul ? | false",
            "Mon Jul 9 15:00 2012 | @hourly | true",
            "Mon Jul 9 15:04 2012 | @hourly | false",
            "Mon Jul 9 15:00 2012 | @daily | false",
            "Mon Jul 9 00:00 2012 | @daily | true",
            "Mon Jul 9 00:00 2012 | @weekly | false",
            "Sun Jul 8 00:00 2012 | @weekly | true",
            "Sun Jul 8 01:00 2012 | @weekly | false",
            "Sun Jul 8 00:00 2012 | @monthly | false",
            "Sun Jul 1 00:00 2012 | @monthly | true",
            // Both day fields restricted: either matches.
            "Sun Jul 15 00:00 2012 | * * 1,15 * Sun | true",
            "Fri Jun 15 00:00 2012 | * * 1,15 * Sun | true",
            "Wed Aug 1 00:00 2012 | * * 1,15 * Sun | true",
            // One of them a star: both must match.
            "Sun Jul 15 00:00 2012 | * * * * Mon | false",
            "Sun Jul 15 00:00 2012 | * * */10 * Sun | false",
            "Mon Jul 9 00:00 2012 | * * 1,15 * * | false",
            "Sun Jul 15 00:00 2012 | * * 1,15 * * | true",
            "Sun Jul 15 00:00 2012 | * * */2 * Sun | true"})
    void firesAsRobfigCronDoes(String time, String spec, boolean fires) {
        ZonedDateTime t = at(time.trim());
        Optional<ZonedDateTime> next = cron(spec.trim()).next(t.minusSeconds(1));
        assertEquals(fires, next.isPresent() && next.get().toInstant().equals(t.toInstant()), spec + " at " + time);
    }

    /** spec_test.go TestNext, including its daylight-saving cases in America/New_York. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Mon Jul 9 14:45 2012 | 0/15 * * * * | Mon Jul 9 15:00 2012",
            "Mon Jul 9 14:59 2012 | 0/15 * * * * | Mon Jul 9 15:00 2012",
            "Mon Jul 9 15:45 2012 | 20-35/15 * * * * | Mon Jul 9 16:20 2012",
            "Mon Jul 9 23:46 2012 | */15 * * * * | Tue Jul 10 00:00 2012",
            "Mon Jul 9 23:45 2012 | 20-35/15 * * * * | Tue Jul 10 00:20 2012",
            "Mon Jul 9 23:35 2012 | 0 0 9 Apr-Oct ? | Thu Aug 9 00:00 2012",
            "Mon Jul 9 23:35 2012 | 0 0 */5 Apr,Aug,Oct Mon | Mon Aug 6 00:00 2012",
            "Mon Jul 9 23:35 2012 | 0 0 */5 Oct Mon | Mon Oct 1 00:00 2012",
            "Mon Jul 9 23:35 2012 | 0 0 * Feb Mon | Mon Feb 4 00:00 2013",
            "Mon Jul 9 23:35 2012 | 0 0 * Feb Mon/2 | Fri Feb 1 00:00 2013",
            "Mon Jul 9 23:35 2012 | 0 0 29 Feb ? | Mon Feb 29 00:00 2016",
            "2012-03-11T00:00:00-0500 | 30 2 11 Mar ? | 2013-03-11T02:30:00-0400",
            "2012-03-11T00:00:00-0500 | 0 * * * ? | 2012-03-11T01:00:00-0500",
            "2012-03-11T01:00:00-0500 | 0 * * * ? | 2012-03-11T03:00:00-0400",
            "2012-03-11T03:00:00-0400 | 0 * * * ? | 2012-03-11T04:00:00-0400",
            "2012-03-11T00:00:00-0500 | 0 1 * * ? | 2012-03-11T01:00:00-0500",
            "2012-03-11T01:00:00-0500 | 0 1 * * ? | 2012-03-12T01:00:00-0400",
            "2012-03-11T00:00:00-0500 | 0 2 * * ? | 2012-03-12T02:00:00-0400",
            "2012-11-04T00:00:00-0400 | 30 2 04 Nov ? | 2012-11-04T02:30:00-0500",
            "2012-11-04T00:00:00-0400 | 0 * * * ? | 2012-11-04T01:00:00-0400",
            "2012-11-04T01:00:00-0500 | 0 * * * ? | 2012-11-04T02:00:00-0500",
            "2012-11-04T00:00:00-0400 | 0 1 * * ? | 2012-11-04T01:00:00-0400",
            "2012-11-04T01:00:00-0500 | 0 1 * * ? | 2012-11-05T01:00:00-0500",
            "2012-11-04T00:00:00-0400 | 0 2 * * ? | 2012-11-04T02:00:00-0500",
            "2012-11-04T02:00:00-0500 | 0 2 * * ? | 2012-11-05T02:00:00-0500",
            "2012-11-04T00:00:00-0400 | 0 3 * * ? | 2012-11-04T03:00:00-0500",
            "2012-11-04T03:00:00-0500 | 0 3 * * ? | 2012-11-05T03:00:00-0500"})
    void nextActivationIsRobfigCrons(String from, String spec, String expected) {
        Optional<ZonedDateTime> next = cron(spec.trim()).next(at(from.trim()));
        assertTrue(next.isPresent(), spec);
        assertEquals(at(expected.trim()).toInstant(), next.get().toInstant(), spec + " after " + from);
    }

    /** spec_test.go TestNext "Unsatisfiable": Go returns the zero time after five years. */
    @ParameterizedTest
    @ValueSource(strings = {"0 0 30 Feb ?", "0 0 31 Apr ?"})
    void aScheduleThatCannotBeSatisfiedHasNoNextActivation(String spec) {
        assertEquals(Optional.empty(), cron(spec).next(at("Mon Jul 9 23:35 2012")));
    }

    /** spec_test.go TestErrors and parser_test.go's errors, as ParseStandard gives them. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "xyz | Expected exactly 5 fields, found 1: xyz",
            "60 0 * * * | End of range (60) above maximum (59): 60",
            "0 24 * * * | End of range (24) above maximum (23): 24",
            "0 0 * * XYZ | Failed to parse int from XYZ",
            "0 0 0 * * | Beginning of range (0) below minimum (1): 0",
            "0 0 * 13 * | End of range (13) above maximum (12): 13",
            "0 0 * * 7 | End of range (7) above maximum (6): 7",
            "5-1 * * * * | Beginning of range (5) beyond end of range (1): 5-1",
            "*/0 * * * * | Step of range should be a positive number: */0",
            "1-2-3 * * * * | Too many hyphens: 1-2-3",
            "1/2/3 * * * * | Too many slashes: 1/2/3",
            "-1 * * * * | Failed to parse int from ",
            "0 0 * * * * | Expected exactly 5 fields, found 6",
            "@every 1d | Failed to parse duration @every 1d",
            "@Daily | Unrecognized descriptor: @Daily"})
    void refusesWhatRobfigCronRefuses(String spec, String error) {
        Cron.Parsed p = Cron.parse(spec.trim());
        assertInstanceOf(Cron.Invalid.class, p, spec);
        assertTrue(((Cron.Invalid) p).error().startsWith(error.trim()), ((Cron.Invalid) p).error());
    }

    @Test
    void anEmptySpecIsRefused() {
        assertEquals(new Cron.Invalid("Empty spec string"), Cron.parse(""));
    }

    /** constantdelay.go Every: under a second is one second, fractions are dropped, and steps land on the second. */
    @Test
    void everyDescriptorStepsFromTheGivenTime() {
        ZonedDateTime t = ZonedDateTime.of(2026, 12, 4, 10, 0, 0, 500_000_000, ZoneOffset.UTC);
        assertEquals(ZonedDateTime.of(2026, 12, 4, 11, 30, 0, 0, ZoneOffset.UTC), cron("@every 1h30m").next(t).get());
        assertEquals(ZonedDateTime.of(2026, 12, 4, 10, 0, 1, 0, ZoneOffset.UTC), cron("@every 10ms").next(t).get());
        assertEquals(ZonedDateTime.of(2026, 12, 4, 10, 0, 2, 0, ZoneOffset.UTC), cron("@every 2.7s").next(t).get());
    }

    /** The other descriptors of parser.go parseDescriptor, and names in any case. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "@yearly | Sat Jan 1 00:00 2028",
            "@annually | Sat Jan 1 00:00 2028",
            "@midnight | Sat Jul 10 00:00 2027",
            "0 12 * jul SUN | Sun Jul 11 12:00 2027"})
    void descriptorsAndNames(String spec, String expected) {
        assertEquals(at(expected.trim()).toInstant(), cron(spec.trim()).next(at("Fri Jul 9 23:35 2027")).get().toInstant());
    }
}
