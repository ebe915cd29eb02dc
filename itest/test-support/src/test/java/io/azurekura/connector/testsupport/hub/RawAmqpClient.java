package io.azurekura.connector.testsupport.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import javax.net.ssl.SSLSocket;

import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.messaging.AmqpValue;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.amqp.messaging.Source;
import org.apache.qpid.proton.amqp.messaging.Target;
import org.apache.qpid.proton.engine.Connection;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.EndpointState;
import org.apache.qpid.proton.engine.Link;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.engine.Sasl;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.engine.Session;
import org.apache.qpid.proton.engine.Transport;
import org.apache.qpid.proton.message.Message;

import io.azurekura.connector.testsupport.pki.TestPki;

/**
 * A bare Proton-J engine over a blocking TLS socket: the AMQP wire forms other official IoT Hub clients use and the
 * Java SDK does not (no SASL layer, module and URL-encoded CBS names), driven one frame exchange at a time.
 * Single-threaded; every wait is bounded.
 */
final class RawAmqpClient implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Transport transport = Proton.transport();
    private final Connection connection = Proton.connection();
    private final Session session;
    private final Sender cbsRequests;
    private final Receiver cbsReplies;
    private final Sasl sasl;
    private int nextTag;

    /** @param saslMechanism "ANONYMOUS", another mechanism, or null for no SASL layer */
    RawAmqpClient(int port, String saslMechanism) throws IOException {
        this.socket = (SSLSocket) TestPki.shared().clientSslContext().getSocketFactory().createSocket("127.0.0.1",
                port);
        this.socket.setSoTimeout((int) WAIT.toMillis());
        this.socket.startHandshake();
        // Short reads from here on: each pump round returns soon when nothing arrived.
        this.socket.setSoTimeout(20);
        this.in = this.socket.getInputStream();
        this.out = this.socket.getOutputStream();
        if (saslMechanism != null) {
            this.sasl = this.transport.sasl();
            this.sasl.client();
            this.sasl.setMechanisms(saslMechanism);
        } else {
            this.sasl = null;
        }
        this.connection.setHostname("localhost");
        this.connection.setContainer("raw-client-" + UUID.randomUUID());
        this.transport.bind(this.connection);
        this.connection.open();
        this.session = this.connection.session();
        this.session.open();
        this.cbsRequests = sender("$cbs");
        this.cbsReplies = receiver("$cbs");
    }

    Sender sender(String address) {
        Sender sender = this.session.sender("sender-" + address + "-" + UUID.randomUUID());
        Target target = new Target();
        target.setAddress(address);
        sender.setTarget(target);
        sender.setSource(new Source());
        sender.open();
        return sender;
    }

    Receiver receiver(String address) {
        Receiver receiver = this.session.receiver("receiver-" + address + "-" + UUID.randomUUID());
        Source source = new Source();
        source.setAddress(address);
        receiver.setSource(source);
        receiver.setTarget(new Target());
        receiver.flow(100);
        receiver.open();
        return receiver;
    }

    boolean connectionOpen() throws IOException {
        return pumpUntil(() -> this.connection.getRemoteState() == EndpointState.ACTIVE);
    }

    Sasl.SaslOutcome saslOutcome() throws IOException {
        pumpUntil(() -> this.sasl.getOutcome() != Sasl.SaslOutcome.PN_SASL_NONE);
        return this.sasl.getOutcome();
    }

    /** Sends a put-token and returns the hub's status-code, or null when no answer came. */
    Integer putToken(String name, String token) throws IOException {
        Message request = Proton.message();
        Properties properties = new Properties();
        UUID id = UUID.randomUUID();
        properties.setMessageId(id);
        properties.setTo("$cbs");
        properties.setReplyTo("cbs");
        request.setProperties(properties);
        request.setApplicationProperties(new ApplicationProperties(Map.of("operation", "put-token", "type",
                "servicebus.windows.net:sastoken", "name", name)));
        request.setBody(new AmqpValue(token));
        send(this.cbsRequests, request);
        Message answer = receive(this.cbsReplies);
        if (answer == null || !id.equals(answer.getProperties().getCorrelationId())) {
            return null;
        }
        return (Integer) answer.getApplicationProperties().getValue().get("status-code");
    }

    void send(Sender sender, Message message) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        int length = message.encode(buffer, 0, buffer.length);
        sender.delivery(String.valueOf(this.nextTag++).getBytes(StandardCharsets.US_ASCII));
        sender.send(buffer, 0, length);
        sender.advance();
        pump();
    }

    /** The next complete message on the link, settled, or null after the wait. */
    Message receive(Receiver receiver) throws IOException {
        List<Message> received = new ArrayList<>();
        pumpUntil(() -> {
            Delivery delivery = receiver.current();
            if (delivery == null || !delivery.isReadable() || delivery.isPartial()) {
                return false;
            }
            byte[] bytes = new byte[delivery.pending()];
            int read = receiver.recv(bytes, 0, bytes.length);
            Message message = Proton.message();
            message.decode(bytes, 0, read);
            delivery.disposition(org.apache.qpid.proton.amqp.messaging.Accepted.getInstance());
            delivery.settle();
            receiver.advance();
            received.add(message);
            return true;
        });
        return received.isEmpty() ? null : received.get(0);
    }

    /** True when the hub attached the link, false when it answered the attach by closing it (or never answered). */
    boolean attached(Link link) throws IOException {
        pumpUntil(() -> link.getRemoteState() != EndpointState.UNINITIALIZED);
        pump();
        return link.getRemoteState() == EndpointState.ACTIVE;
    }

    static Message message(String body) {
        Message message = Proton.message();
        message.setBody(new org.apache.qpid.proton.amqp.messaging.Data(new Binary(body.getBytes(
                StandardCharsets.UTF_8))));
        return message;
    }

    boolean pumpUntil(BooleanSupplier condition) throws IOException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            pump();
            if (condition.getAsBoolean()) {
                return true;
            }
            if (this.transport.isClosed()) {
                return condition.getAsBoolean();
            }
        }
        return false;
    }

    /** One round: everything the engine has to write, then whatever arrived within the socket's short timeout. */
    void pump() throws IOException {
        while (this.transport.pending() > 0) {
            ByteBuffer head = this.transport.head();
            byte[] bytes = new byte[head.remaining()];
            head.get(bytes);
            this.out.write(bytes);
            this.transport.pop(bytes.length);
        }
        this.out.flush();
        byte[] buffer = new byte[16 * 1024];
        int read;
        try {
            read = this.in.read(buffer);
        } catch (SocketTimeoutException e) {
            return;
        }
        if (read < 0) {
            this.transport.close_tail();
            return;
        }
        int offset = 0;
        while (offset < read) {
            ByteBuffer tail = this.transport.tail();
            int chunk = Math.min(tail.remaining(), read - offset);
            tail.put(buffer, offset, chunk);
            this.transport.process();
            offset += chunk;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            this.connection.close();
            pump();
        } finally {
            this.socket.close();
        }
    }
}
