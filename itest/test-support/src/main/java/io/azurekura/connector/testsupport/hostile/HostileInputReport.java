package io.azurekura.connector.testsupport.hostile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Counts a hostile-input suite: every test invocation (each row of a parameterized test) is one hostile input or
 * fault tried, and it counts as handled when it passes, that is when its classified outcome, its bound and its
 * log check all held. At the end of the class it prints {@code hostile inputs (<suite>): N tried, N handled} and
 * writes the same figures to {@code target/hostile-inputs/<suite>.properties}, which {@code .ci/run} adds up.
 *
 * <p>Use: {@code @ExtendWith(HostileInputReport.class)} on the suite class, and one invocation per input (a
 * parameterized test, one row each), so that every input is named in the test report and counted once.
 */
public final class HostileInputReport implements TestWatcher, AfterAllCallback {

    private static final Namespace NAMESPACE = Namespace.create(HostileInputReport.class);

    @Override
    public void testSuccessful(ExtensionContext context) {
        tally(context).handled.incrementAndGet();
        tally(context).tried.incrementAndGet();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        tally(context).tried.incrementAndGet();
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        tally(context).tried.incrementAndGet();
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        // A disabled case is neither tried nor handled.
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        Tally tally = tally(context);
        String suite = context.getRequiredTestClass().getSimpleName();
        System.out.printf("hostile inputs (%s): %d tried, %d handled%n", suite, tally.tried.get(),
                tally.handled.get());
        Path directory = Paths.get("target", "hostile-inputs");
        Files.createDirectories(directory);
        Files.writeString(directory.resolve(suite + ".properties"),
                "tried=" + tally.tried.get() + "\nhandled=" + tally.handled.get() + "\n", StandardCharsets.UTF_8);
    }

    private static Tally tally(ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getParent().isPresent() && classContext.getTestMethod().isPresent()) {
            classContext = classContext.getParent().get();
        }
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent("tally", key -> new Tally(), Tally.class);
    }

    private static final class Tally {
        final AtomicInteger tried = new AtomicInteger();
        final AtomicInteger handled = new AtomicInteger();
    }
}
