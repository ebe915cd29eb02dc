package io.azurekura.connector.dps.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class PollPacerTest {

    private static long s(double seconds) {
        return (long) (seconds * 1_000_000_000L);
    }

    @Test
    void allowsFivePollsThenWaitsForTheWindowToPassTheFirst() {
        PollPacer pacer = new PollPacer();
        for (int i = 0; i < 5; i++) {
            assertThat(pacer.delayBeforeNextPoll(s(i))).isZero();
            pacer.recordPoll(s(i));
        }
        // The sixth may only go 10 s (plus a margin) after the first answer.
        assertThat(pacer.delayBeforeNextPoll(s(5))).isEqualTo(Duration.ofMillis(5100));
        assertThat(pacer.delayBeforeNextPoll(s(10.1))).isZero();
        pacer.recordPoll(s(10.1));
        assertThat(pacer.delayBeforeNextPoll(s(10.1))).isEqualTo(Duration.ofMillis(1000));
    }

    @Test
    void slowPollsAreNeverDelayed() {
        PollPacer pacer = new PollPacer();
        for (int i = 0; i < 50; i++) {
            assertThat(pacer.delayBeforeNextPoll(s(3 * i))).isZero();
            pacer.recordPoll(s(3 * i));
        }
    }
}
