package io.azurekura.connector.testsupport.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLServerSocket;

import io.azurekura.connector.testsupport.pki.TestPki;

/**
 * A loopback server that does, byte for byte, what a test scripts: for answers no well-behaved HTTP server library
 * would produce (bodies that never end, one byte a second, broken chunking, lying Content-Length, garbage instead of
 * a status line, TLS that is not there). HTTPS with a {@link TestPki}'s server certificate, or plain TCP.
 * <p>
 * Every connection runs {@link Script#serve} on its own daemon thread ({@code scripted-server-*}), after the request
 * head has been read and recorded; {@link #close()} closes the listening socket and every connection.
 */
public final class ScriptedHttpsServer implements AutoCloseable {

    /** What to do with one connection. */
    @FunctionalInterface
    public interface Script {
        /** @param requestHead the request line and headers as received (ISO-8859-1), or "" if none arrived */
        void serve(String requestHead, InputStream in, OutputStream out, Socket socket) throws Exception;
    }

    private final ServerSocket listener;
    private final boolean tls;
    private final Script script;
    private final boolean readHead;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final List<String> requestHeads = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    private ScriptedHttpsServer(ServerSocket listener, boolean tls, boolean readHead, Script script) {
        this.listener = listener;
        this.tls = tls;
        this.readHead = readHead;
        this.script = script;
        this.acceptor = new Thread(this::acceptLoop, "scripted-server-accept-" + listener.getLocalPort());
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** HTTPS with the shared test PKI's server certificate (valid for localhost and 127.0.0.1). */
    public static ScriptedHttpsServer https(Script script) {
        return https(TestPki.shared(), true, script);
    }

    /**
     * @param pki whose server certificate to present
     * @param readHead false to hand the script the connection right after the handshake, nothing read
     */
    public static ScriptedHttpsServer https(TestPki pki, boolean readHead, Script script) {
        return https(pki, InetAddress.getLoopbackAddress(), readHead, script);
    }

    /**
     * @param bind the local address, e.g. 127.0.0.2 (Linux answers the whole 127/8), which the test certificate
     *            does not name: for host name verification tests
     */
    public static ScriptedHttpsServer https(TestPki pki, InetAddress bind, boolean readHead, Script script) {
        try {
            SSLServerSocket socket = (SSLServerSocket) TestPki.sslContext(pki.serverKeyStore(), pki.trustStore())
                    .getServerSocketFactory().createServerSocket(0, 50, bind);
            return new ScriptedHttpsServer(socket, true, readHead, script);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen", e);
        }
    }

    /** Plain TCP: for servers that answer an https client in clear text, or do not answer the handshake at all. */
    public static ScriptedHttpsServer plain(boolean readHead, Script script) {
        try {
            return new ScriptedHttpsServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), false,
                    readHead, script);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen", e);
        }
    }

    public int port() {
        return this.listener.getLocalPort();
    }

    /** {@code https://localhost:<port>} (or http for a plain server). */
    public URI baseUri() {
        return URI.create((this.tls ? "https" : "http") + "://localhost:" + port());
    }

    /** Connections accepted so far. */
    public int accepted() {
        return this.accepted.get();
    }

    /** The request heads received so far, in order. */
    public List<String> requestHeads() {
        return List.copyOf(this.requestHeads);
    }

    private void acceptLoop() {
        while (!this.closed) {
            Socket connection;
            try {
                connection = this.listener.accept();
            } catch (IOException e) {
                return;
            }
            this.accepted.incrementAndGet();
            this.connections.add(connection);
            Thread worker = new Thread(() -> serve(connection), "scripted-server-" + this.accepted.get());
            worker.setDaemon(true);
            worker.start();
        }
    }

    private void serve(Socket connection) {
        try (Socket s = connection) {
            InputStream in = s.getInputStream();
            String head = this.readHead ? readHead(in) : "";
            this.requestHeads.add(head);
            this.script.serve(head, in, s.getOutputStream(), s);
            s.getOutputStream().flush();
        } catch (Exception e) {
            // the client went away, as hostile-server tests expect it to
        } finally {
            this.connections.remove(connection);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4 && head.size() < 65_536) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** Writes ASCII text. */
    public static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() {
        this.closed = true;
        try {
            this.listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : this.connections) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        try {
            this.acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
