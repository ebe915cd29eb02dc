package io.azurekura.connector.dps.provisioning;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.azurekura.connector.api.cache.ManagedToken;
import io.azurekura.connector.api.cache.SasTokenCache;
import io.azurekura.connector.api.dps.Assignment;
import io.azurekura.connector.api.dps.DeviceProvisioner;
import io.azurekura.connector.api.dps.ProvisioningEvent;
import io.azurekura.connector.api.dps.ProvisioningFailure;
import io.azurekura.connector.api.dps.ProvisioningListener;
import io.azurekura.connector.api.dps.ProvisioningState;
import io.azurekura.connector.api.dps.ProvisioningStatus;
import io.azurekura.connector.api.token.TokenScope;
import io.azurekura.connector.common.backoff.ExponentialBackoff;
import io.azurekura.connector.common.concurrent.NamedThreadFactory;
import io.azurekura.connector.common.time.Clock;
import io.azurekura.connector.dps.store.AssignmentStore;
import io.azurekura.connector.dps.wire.DpsRegistrationClient;
import io.azurekura.connector.dps.wire.UntrustedText;

/**
 * The provisioning policy for one identity: when to register, what to keep, when to reprovision. DPS
 * registrations are billed and rate-limited, so it registers as rarely as correctness allows:
 * <ul>
 * <li>at start, a saved assignment for the same ID scope and registration id is used with zero DPS calls (policy
 * {@link ReprovisionPolicy#USE_SAVED}); one for another identity, or an unreadable file, is discarded;</li>
 * <li>a new assignment is saved atomically before anyone is told about it;</li>
 * <li>reprovisioning happens on request, or when the assigned hub refuses our credentials if the policy allows it
 * (at most once per minimum interval); never because of a network error (iotedge PR #7246 had to undo exactly
 * that);</li>
 * <li>failed registrations are retried with exponential backoff and jitter, terminal ones only at the longest
 * interval.</li>
 * </ul>
 * All work runs on one named thread owned by this object; {@link #close()} stops it promptly. Waits within a
 * registration go through the {@link Sleeper} and the monotonic {@link Clock} (virtual in tests); the delay before
 * retrying a failed registration is scheduled on that thread's executor.
 */
public final class DpsProvisioningService implements DeviceProvisioner, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DpsProvisioningService.class);
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final ProvisioningSettings settings;
    private final SasTokenCache cache;
    private final DpsRegistrationClient client;
    private final AssignmentStore store;
    private final Clock clock;
    private final Sleeper sleeper;
    private final DoubleSupplier random;
    private final ExponentialBackoff retryBackoff;
    private final TokenScope scope;
    private final List<ProvisioningListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService executor;
    private final AssignmentValidator validator;

    private ProvisioningState state = ProvisioningState.UNPROVISIONED;
    private Assignment assignment;
    private boolean fromSaved;
    private ProvisioningException lastFailure;
    private Instant lastErrorAt;
    private Instant nextAttemptAt;
    private ScheduledFuture<?> pendingRetry;
    private int consecutiveFailures;
    private Long lastHubTriggeredReprovision;
    private boolean closed;

    /**
     * @param store where the assignment is kept; null to keep it in memory only
     * @param client taken over: closed with this service
     */
    public DpsProvisioningService(ProvisioningSettings settings, SasTokenCache cache, DpsRegistrationClient client,
            AssignmentStore store, Clock clock, Sleeper sleeper, DoubleSupplier random) {
        this.settings = settings;
        this.cache = cache;
        this.client = client;
        this.store = store;
        this.clock = clock;
        this.sleeper = sleeper;
        this.random = random;
        this.retryBackoff = new ExponentialBackoff(settings.retryInitial, settings.retryMax, settings.retryMax, random);
        this.scope = TokenScope.dpsRegistration(settings.idScope, settings.registrationId);
        this.executor = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("dps-provisioner"));
        this.validator = new AssignmentValidator(settings.idScope, settings.registrationId, settings.hubRule);
    }

    /** Starts on the provisioner's own thread: saved assignment or registration. Returns at once. */
    public void start() {
        submit(this::startup);
    }

    private void submit(Runnable task) {
        try {
            this.executor.execute(guarded(task));
        } catch (RejectedExecutionException e) {
            LOG.debug("DPS provisioner for {} is closed; task dropped", this.scope);
        }
    }

    /** The executor would swallow a bug's exception into a future nobody reads; log it instead. */
    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.error("DPS provisioner for {} failed unexpectedly", this.scope, e);
                throw e;
            }
        };
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Provisioning thread

    private void startup() {
        if (this.store != null) {
            AssignmentStore.Loaded loaded = this.store.load();
            Assignment saved = loaded.assignment();
            if (loaded.problem() != null) {
                LOG.warn("The saved DPS assignment {} is unusable ({}); discarding it and registering again",
                        this.store.file(), UntrustedText.escape(loaded.problem()));
                deleteSaved();
            } else if (saved != null && !saved.isFor(this.settings.idScope, this.settings.registrationId)) {
                LOG.info("The saved DPS assignment is for registration {} in ID scope {}, not {} in {}; discarding "
                        + "it", UntrustedText.escape(saved.registrationId()), UntrustedText.escape(saved.idScope()),
                        this.settings.registrationId, this.settings.idScope);
                deleteSaved();
            } else if (saved != null && this.validator.problem(saved).isPresent()) {
                // The same rules as a live DPS answer: a file anyone managed to edit is no better than a forged answer.
                LOG.warn("The saved DPS assignment {} is refused ({}); discarding it and registering again",
                        this.store.file(), this.validator.problem(saved).get());
                deleteSaved();
            } else if (saved != null && this.settings.reprovisionPolicy == ReprovisionPolicy.ALWAYS_ON_STARTUP) {
                LOG.info("Reprovisioning policy {}: discarding the saved assignment {} and registering again",
                        ReprovisionPolicy.ALWAYS_ON_STARTUP, saved);
                deleteSaved();
            } else if (saved != null) {
                synchronized (this) {
                    adopt(saved, true);
                }
                LOG.info("Using the saved DPS assignment {} (no DPS call)", saved);
                fire(ProvisioningEvent.Type.ASSIGNED, null);
                return;
            }
        }
        register();
    }

    private void register() {
        synchronized (this) {
            if (this.closed) {
                return;
            }
            this.state = ProvisioningState.REGISTERING;
            this.nextAttemptAt = null;
            this.pendingRetry = null;
        }
        LOG.info("Registering {} with DPS (ID scope {})", this.settings.registrationId, this.settings.idScope);
        try (ManagedToken token = this.cache.track(this.scope)) {
            Assignment result = new RegistrationAttempt(this.settings, this.client, this.cache, token, this.clock,
                    this.sleeper, this.random).run();
            save(result);
            synchronized (this) {
                adopt(result, false);
                this.consecutiveFailures = 0;
            }
            LOG.info("DPS assigned {} ({} DPS calls so far)", result, this.client.requestsSent());
            fire(ProvisioningEvent.Type.ASSIGNED, null);
        } catch (ProvisioningException e) {
            failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.debug("DPS registration of {} interrupted (closing)", this.settings.registrationId);
        } catch (RuntimeException e) {
            failed(new ProvisioningException(ProvisioningFailure.INTERNAL, UntrustedText.escape(e.toString())));
        }
    }

    private void failed(ProvisioningException failure) {
        Duration delay;
        synchronized (this) {
            this.consecutiveFailures++;
            delay = failure.failure().isTerminal() ? this.settings.retryMax
                    : this.retryBackoff.delay(this.consecutiveFailures - 1, failure.retryAfter());
            this.state = ProvisioningState.FAILED;
            this.lastFailure = failure;
            this.lastErrorAt = Instant.ofEpochMilli(this.clock.wallMillis());
            this.nextAttemptAt = this.lastErrorAt.plus(delay);
            if (!this.closed) {
                try {
                    this.pendingRetry = this.executor.schedule(guarded(this::register), delay.toMillis(),
                            TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    this.pendingRetry = null;
                }
            }
        }
        LOG.warn("DPS registration of {} failed: {}; next attempt in {} s", this.settings.registrationId,
                failure.getMessage(), delay.getSeconds());
        fire(ProvisioningEvent.Type.FAILED, null);
    }

    private void reprovisionNow(Assignment target, String reason) {
        Assignment previous;
        synchronized (this) {
            if (this.closed || this.assignment != target) {
                return; // a newer assignment arrived meanwhile: it already is the result of a registration
            }
            if (this.pendingRetry != null) {
                this.pendingRetry.cancel(false);
                this.pendingRetry = null;
            }
            previous = this.assignment;
            this.assignment = null;
            this.fromSaved = false;
            this.state = ProvisioningState.UNPROVISIONED;
        }
        LOG.info("Reprovisioning {} through DPS: {}", this.settings.registrationId, UntrustedText.escape(reason));
        deleteSaved();
        if (previous != null) {
            fire(ProvisioningEvent.Type.ASSIGNMENT_DISCARDED, previous);
        }
        register();
    }

    private void adopt(Assignment result, boolean saved) {
        this.assignment = result;
        this.fromSaved = saved;
        this.state = ProvisioningState.ASSIGNED;
        this.nextAttemptAt = null;
        notifyAll();
    }

    private void save(Assignment result) {
        if (this.store == null) {
            return;
        }
        try {
            this.store.save(result);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot save the DPS assignment to {} ({}); after a restart it will be registered again",
                    this.store.file(), e.toString());
        }
    }

    private void deleteSaved() {
        if (this.store == null) {
            return;
        }
        try {
            this.store.delete();
        } catch (IOException e) {
            LOG.warn("Cannot delete the saved DPS assignment {} ({})", this.store.file(), e.toString());
        }
    }

    private void fire(ProvisioningEvent.Type type, Assignment previous) {
        ProvisioningEvent event = new ProvisioningEvent(type, status(), previous);
        for (ProvisioningListener listener : this.listeners) {
            try {
                listener.onProvisioningEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("A provisioning listener failed on {}: {}", type, e.toString());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // DeviceProvisioner

    @Override
    public synchronized ProvisioningStatus status() {
        ProvisioningException failure = this.lastFailure;
        return new ProvisioningStatus(this.state, this.assignment, this.fromSaved,
                failure == null ? null : failure.failure(), failure == null ? null : failure.getMessage(),
                failure == null ? null : failure.httpStatus(), failure == null ? null : failure.dpsErrorCode(),
                this.lastErrorAt, this.client.requestsSent(), this.nextAttemptAt, null,
                this.settings.configurationProblems);
    }

    @Override
    public synchronized Optional<Assignment> assignment() {
        return Optional.ofNullable(this.assignment);
    }

    @Override
    public synchronized boolean awaitAssignment(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (this.assignment == null && !this.closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return this.assignment != null;
    }

    @Override
    public synchronized void reprovision(String reason) {
        if (this.closed) {
            return;
        }
        if (this.state == ProvisioningState.REGISTERING) {
            LOG.info("Reprovisioning of {} requested ({}) while a registration is running; ignored",
                    this.settings.registrationId, UntrustedText.escape(reason));
            return;
        }
        Assignment target = this.assignment;
        submit(() -> reprovisionNow(target, reason));
    }

    @Override
    public synchronized boolean hubAuthenticationFailed(String reason) {
        if (this.closed || this.state != ProvisioningState.ASSIGNED) {
            return false;
        }
        if (!this.settings.reprovisionOnHubAuthFailure) {
            LOG.info("Hub {} refused {} ({}); reprovisioning on hub authentication failure is off",
                    this.assignment.assignedHub(), this.assignment.deviceId(), UntrustedText.escape(reason));
            return false;
        }
        long now = this.clock.monotonicNanos();
        if (this.lastHubTriggeredReprovision != null
                && now - this.lastHubTriggeredReprovision < this.settings.reprovisionMinInterval.toNanos()) {
            LOG.info("Hub {} refused {} ({}); already reprovisioned within the last {} s, not again yet",
                    this.assignment.assignedHub(), this.assignment.deviceId(), UntrustedText.escape(reason),
                    this.settings.reprovisionMinInterval.getSeconds());
            return false;
        }
        this.lastHubTriggeredReprovision = now;
        LOG.warn("Hub {} refused {} ({}); reprovisioning through DPS", this.assignment.assignedHub(),
                this.assignment.deviceId(), UntrustedText.escape(reason));
        Assignment target = this.assignment;
        submit(() -> reprovisionNow(target, "hub authentication failed: " + reason));
        return true;
    }

    @Override
    public void addListener(ProvisioningListener listener) {
        this.listeners.add(listener);
    }

    @Override
    public void removeListener(ProvisioningListener listener) {
        this.listeners.remove(listener);
    }

    /** Stops the provisioning thread (interrupting a registration or wait) and the HTTP client. */
    @Override
    public void close() {
        synchronized (this) {
            if (this.closed) {
                return;
            }
            this.closed = true;
            notifyAll();
        }
        this.executor.shutdownNow();
        try {
            if (!this.executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("The DPS provisioning thread for {} did not stop within {} s", this.scope,
                        CLOSE_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            this.client.close();
        }
    }
}
