package io.azurekura.connector.dps.wire;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects a response body up to a size cap, then cancels the exchange: a broken proxy or hostile server in front
 * of DPS must not make the gateway buffer megabytes. DPS answers are a few hundred bytes plus the custom payload.
 */
final class CappedBodySubscriber implements BodySubscriber<byte[]> {

    /** The body exceeded the cap. */
    static final class TooLargeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooLargeException() {
            super("response body too large", null, false, false);
        }
    }

    private final int maxBytes;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    CappedBodySubscriber(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return this.result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        this.subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (this.result.isDone()) {
            return;
        }
        for (ByteBuffer buffer : buffers) {
            int size = buffer.remaining();
            if (this.body.size() + size > this.maxBytes) {
                this.subscription.cancel();
                this.result.completeExceptionally(new TooLargeException());
                return;
            }
            byte[] chunk = new byte[size];
            buffer.get(chunk);
            this.body.write(chunk, 0, size);
        }
    }

    @Override
    public void onError(Throwable throwable) {
        this.result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
        this.result.complete(this.body.toByteArray());
    }
}
