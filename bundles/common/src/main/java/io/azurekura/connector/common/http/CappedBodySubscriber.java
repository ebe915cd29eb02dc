package io.azurekura.connector.common.http;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects a response body but gives up (and cancels the exchange) past a size cap, so a broken or hostile server
 * cannot make the gateway buffer megabytes. Tokens and DPS answers are a few hundred bytes.
 */
final class CappedBodySubscriber implements BodySubscriber<byte[]> {

    /** Signals that the body exceeded the cap. */
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
            if (this.body.size() + buffer.remaining() > this.maxBytes) {
                this.subscription.cancel();
                this.result.completeExceptionally(new TooLargeException());
                return;
            }
            byte[] chunk = new byte[buffer.remaining()];
            buffer.get(chunk);
            this.body.write(chunk, 0, chunk.length);
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
