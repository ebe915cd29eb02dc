package io.azurekura.connector.common.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.azurekura.connector.common.concurrent.NamedThreadFactory;
import io.azurekura.connector.common.redact.Redactor;

/**
 * HTTP/1.1 exchanges with hard bounds, shared by the token server and DPS clients, on sockets this object owns.
 * <p>
 * Why not the JDK clients (docs/secrets-and-http.md): on Java 17 {@code java.net.http.HttpClient} cannot be closed
 * (its selector thread and pooled connections live until it is garbage-collected) and {@code HttpURLConnection}
 * parks connections in a JVM-wide keep-alive cache with its own timer thread. Here every exchange is one connection
 * with {@code Connection: close}; {@link #close()} closes every socket still open and stops the exchange threads,
 * so a closed client holds nothing, with or without a GC.
 * <p>
 * Bounds: connect timeout; the whole exchange (name lookup, connect, TLS, request, status, headers, body) within
 * {@code overall}, enforced by closing the socket; status line, headers and body capped in size. Redirects are
 * returned, never followed; no content coding is asked for or decoded. An idempotent GET whose connection is
 * dropped before any response byte is sent again once, as the JDK client did. Failures come back classified with
 * texts that never quote request data.
 */
public final class BoundedHttpExchange implements AutoCloseable {

    static final int MAX_STATUS_LINE = 8 * 1024;
    static final int MAX_HEADER_BYTES = 32 * 1024;
    static final int MAX_HEADER_LINES = 100;
    static final int MAX_INTERIM_RESPONSES = 8;
    private static final Duration THREAD_STOP_WAIT = Duration.ofSeconds(2);

    private final SSLContext sslContext;
    private final Duration connectTimeout;
    private final ThreadPoolExecutor executor;
    private final Set<Socket> openSockets = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param purpose names the exchange threads ({@code azure-sts-connector-<purpose>-N})
     * @param sslContext TLS for https URLs (trust and client keys); null for the JVM's default
     */
    public BoundedHttpExchange(String purpose, SSLContext sslContext, Duration connectTimeout) {
        this.sslContext = sslContext;
        this.connectTimeout = connectTimeout;
        // Threads only while exchanges run (they end 10 s after the last one): the caller waits on a deadline,
        // and a name lookup, which no socket timeout covers, cannot hold the caller past it.
        this.executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS, new SynchronousQueue<>(),
                new NamedThreadFactory(purpose));
    }

    /**
     * Sends {@code request} (method, URI, headers and body; its timeout and version are ignored) and reads the
     * whole answer.
     *
     * @param maxBodyBytes larger bodies fail with {@link HttpExchangeException.Kind#TOO_LARGE}
     * @param overall bound of the whole exchange
     */
    public HttpResponse<byte[]> send(HttpRequest request, int maxBodyBytes, Duration overall)
            throws HttpExchangeException, InterruptedException {
        if (this.closed) {
            throw new HttpExchangeException(HttpExchangeException.Kind.CLOSED, "the client is closed");
        }
        checkHeaders(request);
        byte[] body = requestBody(request);
        long deadline = System.nanoTime() + overall.toNanos();
        Exchange exchange = new Exchange(request, body, maxBodyBytes, deadline);
        Future<HttpResponse<byte[]>> future;
        try {
            future = this.executor.submit(exchange::run);
        } catch (RejectedExecutionException e) {
            throw new HttpExchangeException(HttpExchangeException.Kind.CLOSED, "the client is closed");
        }
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.abort();
            future.cancel(true);
            throw new HttpExchangeException(HttpExchangeException.Kind.TIMEOUT,
                    "no complete answer within " + overall.toMillis() + " ms");
        } catch (InterruptedException e) {
            exchange.abort();
            future.cancel(true);
            throw e;
        } catch (CancellationException e) {
            throw new HttpExchangeException(HttpExchangeException.Kind.CLOSED, "the client is closed");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof HttpExchangeException) {
                throw (HttpExchangeException) e.getCause();
            }
            // Our own parser failed: name the error's type only, its text could hold anything.
            throw new HttpExchangeException(HttpExchangeException.Kind.OTHER,
                    "unexpected " + e.getCause().getClass().getSimpleName());
        }
    }

    /** Sockets of exchanges in progress. */
    public int openConnections() {
        return this.openSockets.size();
    }

    /** Closes every open connection (exchanges in progress fail as CLOSED) and stops the exchange threads. */
    @Override
    public void close() {
        this.closed = true;
        for (Socket socket : this.openSockets) {
            closeQuietly(socket);
        }
        this.openSockets.clear();
        this.executor.shutdownNow();
        try {
            // Sockets are closed, so the threads are only returning; a name lookup in progress is the exception.
            this.executor.awaitTermination(THREAD_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Retry-After as delta-seconds or HTTP-date (RFC 9110 §10.2.3); null when absent, negative or unreadable. */
    public static Duration retryAfter(HttpResponse<?> response, Instant now) {
        String value = response.headers().firstValue("Retry-After").orElse(null);
        if (value == null || value.isBlank() || value.length() > 64) {
            return null;
        }
        String trimmed = value.trim();
        if (trimmed.matches("[0-9]{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(trimmed));
        }
        try {
            Duration until = Duration.between(now,
                    ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return until.isNegative() ? Duration.ZERO : until;
        } catch (DateTimeParseException | ArithmeticException e) {
            return null;
        }
    }

    /** Before any connection: a header we would not send as it is fails the request, without quoting its value. */
    private static void checkHeaders(HttpRequest request) throws HttpExchangeException {
        for (Map.Entry<String, List<String>> header : request.headers().map().entrySet()) {
            for (String value : header.getValue()) {
                if (!HttpSyntax.isToken(header.getKey()) || !HttpSyntax.isFieldValue(value)) {
                    // Never quote the value: it may be a credential.
                    throw new HttpExchangeException(HttpExchangeException.Kind.INVALID_REQUEST,
                            "request header " + Redactor.escape(header.getKey(), 64) + " is not valid HTTP");
                }
            }
        }
    }

    private static byte[] requestBody(HttpRequest request) throws HttpExchangeException {
        if (request.bodyPublisher().isEmpty()) {
            return null;
        }
        HttpRequest.BodyPublisher publisher = request.bodyPublisher().get();
        if (publisher.contentLength() == 0) {
            return new byte[0];
        }
        CompletableFuture<byte[]> collected = new CompletableFuture<>();
        publisher.subscribe(new Flow.Subscriber<ByteBuffer>() {
            private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                this.bytes.write(chunk, 0, chunk.length);
            }

            @Override
            public void onError(Throwable throwable) {
                collected.completeExceptionally(throwable);
            }

            @Override
            public void onComplete() {
                collected.complete(this.bytes.toByteArray());
            }
        });
        try {
            // In-memory publishers (ofString, ofByteArray) complete during subscribe.
            return collected.get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpExchangeException(HttpExchangeException.Kind.OTHER, "interrupted reading the request body");
        } catch (ExecutionException | TimeoutException e) {
            throw new HttpExchangeException(HttpExchangeException.Kind.OTHER, "the request body is not in memory");
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** One request on one connection (plus one resend of a dropped GET), run on an exchange thread. */
    private final class Exchange {

        private final HttpRequest request;
        private final byte[] body;
        private final int maxBodyBytes;
        private final long deadlineNanos;
        private volatile Socket socket;
        private volatile boolean aborted;

        Exchange(HttpRequest request, byte[] body, int maxBodyBytes, long deadlineNanos) {
            this.request = request;
            this.body = body;
            this.maxBodyBytes = maxBodyBytes;
            this.deadlineNanos = deadlineNanos;
        }

        void abort() {
            this.aborted = true;
            Socket s = this.socket;
            if (s != null) {
                closeQuietly(s);
            }
        }

        HttpResponse<byte[]> run() throws HttpExchangeException {
            try {
                return attempt();
            } catch (DroppedBeforeAnswer e) {
                if (!"GET".equals(this.request.method()) || this.aborted || remainingMillis() <= 0) {
                    throw new HttpExchangeException(HttpExchangeException.Kind.UNREACHABLE,
                            "the connection was closed before any answer");
                }
                try {
                    return attempt();
                } catch (DroppedBeforeAnswer again) {
                    throw new HttpExchangeException(HttpExchangeException.Kind.UNREACHABLE,
                            "the connection was closed before any answer, twice");
                }
            }
        }

        private HttpResponse<byte[]> attempt() throws HttpExchangeException, DroppedBeforeAnswer {
            URI uri = this.request.uri();
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            boolean tls = scheme.equals("https");
            if (!tls && !scheme.equals("http") || uri.getHost() == null) {
                throw new HttpExchangeException(HttpExchangeException.Kind.OTHER, "not an absolute http(s) URL");
            }
            String host = uri.getHost();
            int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
            Socket plain = connect(host, port);
            Socket active = plain;
            try {
                if (tls) {
                    active = handshake(plain, host, port);
                }
                writeRequest(active, uri, host, port);
                InputStream in;
                try {
                    in = active.getInputStream();
                } catch (IOException e) {
                    throw ioFailure("reading the answer", e);
                }
                return readResponse(in, uri);
            } finally {
                closeQuietly(active);
                closeQuietly(plain);
                BoundedHttpExchange.this.openSockets.remove(plain);
                BoundedHttpExchange.this.openSockets.remove(active);
            }
        }

        private Socket connect(String host, int port) throws HttpExchangeException {
            InetAddress address;
            try {
                address = InetAddress.getByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
            } catch (UnknownHostException e) {
                throw new HttpExchangeException(HttpExchangeException.Kind.UNREACHABLE,
                        "the host name does not resolve");
            } catch (SecurityException e) {
                throw new HttpExchangeException(HttpExchangeException.Kind.UNREACHABLE, "name lookup not permitted");
            }
            Socket s = new Socket();
            track(s);
            long timeout = Math.min(BoundedHttpExchange.this.connectTimeout.toMillis(), remainingMillis());
            try {
                if (timeout <= 0) {
                    throw new SocketTimeoutException();
                }
                s.connect(new InetSocketAddress(address, port), (int) Math.max(1, timeout));
                s.setTcpNoDelay(true);
                return s;
            } catch (SocketTimeoutException e) {
                closeQuietly(s);
                throw new HttpExchangeException(HttpExchangeException.Kind.CONNECT_TIMEOUT, "");
            } catch (ConnectException e) {
                closeQuietly(s);
                throw new HttpExchangeException(HttpExchangeException.Kind.UNREACHABLE, "connection refused");
            } catch (NoRouteToHostException e) {
                closeQuietly(s);
                throw new HttpExchangeException(HttpExchangeException.Kind.UNREACHABLE, "no route to host");
            } catch (IOException | RuntimeException e) {
                closeQuietly(s);
                throw ioFailure("connecting", e);
            }
        }

        private Socket handshake(Socket plain, String host, int port) throws HttpExchangeException {
            try {
                SSLContext context = BoundedHttpExchange.this.sslContext == null ? SSLContext.getDefault()
                        : BoundedHttpExchange.this.sslContext;
                SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
                // one connection, one entry: closing the TLS socket closes the TCP socket under it (autoClose)
                BoundedHttpExchange.this.openSockets.remove(plain);
                track(ssl);
                SSLParameters parameters = ssl.getSSLParameters();
                // Host name verification is part of the handshake, as for HttpsURLConnection's default verifier.
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(parameters);
                setReadTimeout(ssl);
                ssl.startHandshake();
                return ssl;
            } catch (SSLException e) {
                throw new HttpExchangeException(HttpExchangeException.Kind.TLS, Redactor.excerpt(e.getMessage()));
            } catch (SocketTimeoutException e) {
                throw new HttpExchangeException(HttpExchangeException.Kind.TIMEOUT, "no TLS handshake in time");
            } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
                throw ioFailure("during the TLS handshake", e);
            }
        }

        /** Headers were checked by {@link BoundedHttpExchange#checkHeaders}. */
        private void writeRequest(Socket s, URI uri, String host, int port) throws HttpExchangeException {
            StringBuilder head = new StringBuilder(256);
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            head.append(this.request.method()).append(' ').append(path);
            if (uri.getRawQuery() != null) {
                head.append('?').append(uri.getRawQuery());
            }
            head.append(" HTTP/1.1\r\nHost: ").append(host.contains(":") && !host.startsWith("[") ? "[" + host + "]"
                    : host);
            if (uri.getPort() > 0) {
                head.append(':').append(port);
            }
            head.append("\r\n");
            for (Map.Entry<String, List<String>> header : this.request.headers().map().entrySet()) {
                for (String value : header.getValue()) {
                    head.append(header.getKey()).append(": ").append(value).append("\r\n");
                }
            }
            head.append("Connection: close\r\n");
            if (this.body != null) {
                head.append("Content-Length: ").append(this.body.length).append("\r\n");
            }
            head.append("\r\n");
            try {
                OutputStream out = s.getOutputStream();
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                if (this.body != null) {
                    out.write(this.body);
                }
                out.flush();
            } catch (IOException e) {
                throw ioFailure("sending the request", e);
            }
        }

        private HttpResponse<byte[]> readResponse(InputStream raw, URI uri)
                throws HttpExchangeException, DroppedBeforeAnswer {
            ResponseReader reader = new ResponseReader(raw, this::setReadTimeoutQuietly);
            try {
                int interim = 0;
                while (true) {
                    ResponseReader.Head head = reader.readHead(MAX_STATUS_LINE, MAX_HEADER_BYTES, MAX_HEADER_LINES);
                    if (head.status >= 100 && head.status < 200) {
                        if (++interim > MAX_INTERIM_RESPONSES) {
                            throw new HttpExchangeException(HttpExchangeException.Kind.PROTOCOL,
                                    "too many interim (1xx) answers");
                        }
                        continue;
                    }
                    boolean noBody = "HEAD".equals(this.request.method()) || head.status == 204 || head.status == 304;
                    byte[] bytes = noBody ? new byte[0] : reader.readBody(head, this.maxBodyBytes);
                    return new BufferedResponse(this.request, uri, head.status, head.headers, bytes);
                }
            } catch (ResponseReader.NothingReceived e) {
                throw new DroppedBeforeAnswer();
            } catch (ResponseReader.TooLarge e) {
                throw new HttpExchangeException(HttpExchangeException.Kind.TOO_LARGE, "");
            } catch (ResponseReader.Malformed e) {
                throw new HttpExchangeException(HttpExchangeException.Kind.PROTOCOL, e.getMessage());
            } catch (SocketTimeoutException e) {
                throw new HttpExchangeException(HttpExchangeException.Kind.TIMEOUT, "no complete answer in time");
            } catch (IOException e) {
                throw ioFailure("reading the answer", e);
            }
        }

        private void track(Socket s) throws HttpExchangeException {
            this.socket = s;
            BoundedHttpExchange.this.openSockets.add(s);
            if (BoundedHttpExchange.this.closed || this.aborted) {
                closeQuietly(s);
                BoundedHttpExchange.this.openSockets.remove(s);
                throw new HttpExchangeException(BoundedHttpExchange.this.closed ? HttpExchangeException.Kind.CLOSED
                        : HttpExchangeException.Kind.TIMEOUT, "");
            }
        }

        private long remainingMillis() {
            return (this.deadlineNanos - System.nanoTime()) / 1_000_000;
        }

        /** Each blocking read may wait only until the exchange's deadline. */
        private void setReadTimeout(Socket s) throws IOException {
            long remaining = remainingMillis();
            if (remaining <= 0) {
                throw new SocketTimeoutException();
            }
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remaining));
        }

        private void setReadTimeoutQuietly() throws IOException {
            Socket s = this.socket;
            if (s != null) {
                setReadTimeout(s);
            }
        }

        private HttpExchangeException ioFailure(String phase, Exception e) {
            if (BoundedHttpExchange.this.closed) {
                return new HttpExchangeException(HttpExchangeException.Kind.CLOSED, "the client was closed");
            }
            if (this.aborted || remainingMillis() <= 0) {
                return new HttpExchangeException(HttpExchangeException.Kind.TIMEOUT, "");
            }
            // The type tells reset from closed from broken pipe; messages of the socket layer are not echoed.
            return new HttpExchangeException(HttpExchangeException.Kind.UNREACHABLE,
                    "connection failed " + phase + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The connection ended before a single byte of an answer: the case the JDK client resends a GET for. */
    private static final class DroppedBeforeAnswer extends Exception {
        private static final long serialVersionUID = 1L;

        DroppedBeforeAnswer() {
            super(null, null, false, false);
        }
    }
}
