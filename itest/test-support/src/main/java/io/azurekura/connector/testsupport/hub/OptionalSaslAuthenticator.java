package io.azurekura.connector.testsupport.hub;

import java.nio.ByteBuffer;
import java.util.function.BiConsumer;

import org.apache.qpid.proton.engine.Sasl;
import org.apache.qpid.proton.engine.Transport;

import io.vertx.core.Handler;
import io.vertx.core.net.NetSocket;
import io.vertx.proton.ProtonConnection;
import io.vertx.proton.sasl.ProtonSaslAuthenticator;

/**
 * The server side of the connection's security layer as IoT Hub has it (docs/iot-hub-amqp.md "Connection"): a
 * client may open with a SASL header and the ANONYMOUS mechanism (the Java SDK), or skip SASL and send the plain
 * AMQP header (clients that put their token over {@code $cbs} only). Vert.x Proton's default server authenticator
 * forbids the skip; proton-j allows it per transport ({@link Sasl#allowSkip(boolean)}) and then answers a plain
 * header with a plain header.
 * <p>
 * Proton-j reports no outcome for a skipped SASL layer, so the skip is told from the first bytes the transport is
 * about to write: a plain AMQP header (protocol id 0) instead of the SASL one (protocol id 3). That happens on the
 * buffer carrying the client's header, before any frame of the connection is handled, so the connection's handlers
 * are in place before its open arrives.
 */
final class OptionalSaslAuthenticator implements ProtonSaslAuthenticator {

    /** How a connection authenticated at the transport, for the log and the counters. */
    enum Layer {
        SASL_ANONYMOUS, NO_SASL
    }

    /** Where the attachment with the connection's {@link Layer} is kept. */
    static final String LAYER_ATTACHMENT = "azurekura.sasl-layer";
    private static final int PROTOCOL_ID_OFFSET = 4;
    private static final byte AMQP_PROTOCOL_ID = 0;

    private final BiConsumer<ProtonConnection, String> onRefused;
    private Transport transport;
    private Sasl sasl;
    private ProtonConnection connection;
    private boolean succeeded;

    /** @param onRefused told the connection and the offered mechanism (bounded) when SASL is refused */
    OptionalSaslAuthenticator(BiConsumer<ProtonConnection, String> onRefused) {
        this.onRefused = onRefused;
    }

    @Override
    public void init(NetSocket socket, ProtonConnection protonConnection, Transport protonTransport) {
        this.transport = protonTransport;
        this.connection = protonConnection;
        this.sasl = protonTransport.sasl();
        this.sasl.server();
        this.sasl.allowSkip(true);
        this.sasl.setMechanisms(IotHubAmqp.SASL_ANONYMOUS);
    }

    @Override
    public void process(Handler<Boolean> completion) {
        String[] offered = this.sasl.getRemoteMechanisms();
        if (offered.length > 0) {
            if (IotHubAmqp.SASL_ANONYMOUS.equals(offered[0])) {
                this.sasl.done(Sasl.SaslOutcome.PN_SASL_OK);
                this.succeeded = true;
                this.connection.attachments().set(LAYER_ATTACHMENT, Layer.class, Layer.SASL_ANONYMOUS);
            } else {
                this.sasl.done(Sasl.SaslOutcome.PN_SASL_AUTH);
                this.onRefused.accept(this.connection, bounded(offered[0]));
            }
            completion.handle(true);
            return;
        }
        if (answersWithPlainAmqpHeader()) {
            this.succeeded = true;
            this.connection.attachments().set(LAYER_ATTACHMENT, Layer.class, Layer.NO_SASL);
            completion.handle(true);
            return;
        }
        completion.handle(false);
    }

    @Override
    public boolean succeeded() {
        return this.succeeded;
    }

    private boolean answersWithPlainAmqpHeader() {
        if (this.transport.pending() <= PROTOCOL_ID_OFFSET) {
            return false;
        }
        ByteBuffer head = this.transport.head();
        int at = head.position();
        return head.get(at) == 'A' && head.get(at + 1) == 'M' && head.get(at + 2) == 'Q' && head.get(at + 3) == 'P'
                && head.get(at + PROTOCOL_ID_OFFSET) == AMQP_PROTOCOL_ID;
    }

    private static String bounded(String mechanism) {
        String printable = mechanism.replaceAll("[^A-Za-z0-9_-]", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
    }
}
