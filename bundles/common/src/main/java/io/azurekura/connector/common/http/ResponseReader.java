package io.azurekura.connector.common.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.azurekura.connector.common.redact.Redactor;

/**
 * Reads one HTTP/1.1 answer from a connection that closes after it: status line, headers and a body framed by
 * {@code Content-Length}, chunked coding or the end of the connection. Every part is bounded; anything that is not
 * HTTP ends the exchange instead of being guessed at.
 */
final class ResponseReader {

    /** Called before every blocking read (sets the socket's timeout to what is left of the deadline). */
    interface BeforeRead {
        void run() throws IOException;
    }

    static final class Head {
        final int status;
        final Map<String, List<String>> headers;

        Head(int status, Map<String, List<String>> headers) {
            this.status = status;
            this.headers = headers;
        }
    }

    /** The connection ended before the first byte of the answer. */
    static final class NothingReceived extends Exception {
        private static final long serialVersionUID = 1L;

        NothingReceived() {
            super(null, null, false, false);
        }
    }

    static final class TooLarge extends Exception {
        private static final long serialVersionUID = 1L;

        TooLarge() {
            super(null, null, false, false);
        }
    }

    /** Not HTTP; the message is ours (never remote text). */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private static final int MAX_CHUNK_LINE = 1024;
    private static final int MAX_TRAILER_LINES = 32;

    private final InputStream in;
    private final BeforeRead beforeRead;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;
    private long received;

    ResponseReader(InputStream in, BeforeRead beforeRead) {
        this.in = in;
        this.beforeRead = beforeRead;
    }

    Head readHead(int maxStatusLine, int maxHeaderBytes, int maxHeaderLines)
            throws IOException, NothingReceived, Malformed {
        String statusLine;
        try {
            statusLine = readLine(maxStatusLine, "status line");
        } catch (SocketException e) {
            if (this.received == 0) {
                throw new NothingReceived();
            }
            throw e;
        }
        if (statusLine == null) {
            if (this.received == 0) {
                throw new NothingReceived();
            }
            throw new Malformed("the connection ended inside the status line");
        }
        int status = parseStatus(statusLine);
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int headerBytes = 0;
        int lines = 0;
        while (true) {
            String line = readLine(maxHeaderBytes - headerBytes, "header section");
            if (line == null) {
                throw new Malformed("the connection ended inside the headers");
            }
            if (line.isEmpty()) {
                return new Head(status, headers);
            }
            headerBytes += line.length() + 2;
            if (++lines > maxHeaderLines) {
                throw new Malformed("more than " + maxHeaderLines + " header lines");
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new Malformed("folded header line (obsolete line folding)");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !HttpSyntax.isToken(line.substring(0, colon))) {
                throw new Malformed("a header line is not 'name: value'");
            }
            headers.computeIfAbsent(line.substring(0, colon), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).strip());
        }
    }

    byte[] readBody(Head head, int maxBytes) throws IOException, TooLarge, Malformed {
        List<String> transferCodings = head.headers.get("Transfer-Encoding");
        if (transferCodings != null) {
            String all = String.join(",", transferCodings).trim().toLowerCase(java.util.Locale.ROOT);
            if (all.endsWith("chunked")) {
                return readChunked(maxBytes);
            }
            return readToEnd(maxBytes);
        }
        List<String> lengths = head.headers.get("Content-Length");
        if (lengths != null) {
            long length = contentLength(lengths);
            if (length > maxBytes) {
                throw new TooLarge();
            }
            return readExactly((int) length);
        }
        return readToEnd(maxBytes);
    }

    private static long contentLength(List<String> values) throws Malformed {
        long length = -1;
        for (String value : values) {
            for (String part : value.split(",", -1)) {
                String trimmed = part.trim();
                if (!trimmed.matches("[0-9]{1,15}")) {
                    throw new Malformed("Content-Length is not a number");
                }
                long parsed = Long.parseLong(trimmed);
                if (length >= 0 && parsed != length) {
                    throw new Malformed("conflicting Content-Length values");
                }
                length = parsed;
            }
        }
        return length;
    }

    private byte[] readExactly(int length) throws IOException, Malformed {
        byte[] body = new byte[length];
        int filled = 0;
        while (filled < length) {
            if (this.position == this.limit && !fill()) {
                throw new Malformed("the connection ended " + (length - filled) + " bytes before the announced end");
            }
            int n = Math.min(length - filled, this.limit - this.position);
            System.arraycopy(this.buffer, this.position, body, filled, n);
            this.position += n;
            filled += n;
        }
        return body;
    }

    private byte[] readToEnd(int maxBytes) throws IOException, TooLarge {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (this.position < this.limit || fill()) {
            int n = this.limit - this.position;
            if (body.size() + n > maxBytes) {
                throw new TooLarge();
            }
            body.write(this.buffer, this.position, n);
            this.position = this.limit;
        }
        return body.toByteArray();
    }

    private byte[] readChunked(int maxBytes) throws IOException, TooLarge, Malformed {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(MAX_CHUNK_LINE, "chunk size line");
            if (sizeLine == null) {
                throw new Malformed("the connection ended inside the chunked body");
            }
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim();
            if (!hex.matches("[0-9a-fA-F]{1,8}")) {
                throw new Malformed("a chunk size is not hexadecimal");
            }
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                for (int i = 0; i <= MAX_TRAILER_LINES; i++) {
                    String trailer = readLine(MAX_CHUNK_LINE, "trailer");
                    if (trailer == null || trailer.isEmpty()) {
                        return body.toByteArray();
                    }
                }
                throw new Malformed("too many trailer lines");
            }
            if (body.size() + size > maxBytes) {
                throw new TooLarge();
            }
            body.write(readExactly((int) size));
            String end = readLine(2, "chunk end");
            if (end == null || !end.isEmpty()) {
                throw new Malformed("a chunk does not end with CRLF");
            }
        }
    }

    private static int parseStatus(String line) throws Malformed {
        if (line.length() < 12 || !line.startsWith("HTTP/1.") || !Character.isDigit(line.charAt(7))
                || line.charAt(8) != ' ' || !line.substring(9, 12).chars().allMatch(Character::isDigit)
                || line.length() > 12 && line.charAt(12) != ' ') {
            throw new Malformed("not an HTTP/1.x status line: '" + Redactor.excerpt(line.length() > 40
                    ? line.substring(0, 40) : line) + "'");
        }
        int status = Integer.parseInt(line.substring(9, 12));
        if (status < 100) {
            throw new Malformed("status code " + status + " is not valid");
        }
        return status;
    }

    /**
     * A line without its CRLF (a bare LF is accepted), or null at the end of the connection before any byte of it.
     */
    private String readLine(int maxBytes, String what) throws IOException, Malformed {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        while (true) {
            if (this.position == this.limit && !fill()) {
                if (line.size() == 0) {
                    return null;
                }
                throw new Malformed("the connection ended inside the " + what);
            }
            byte b = this.buffer[this.position++];
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            if (line.size() >= Math.max(0, maxBytes)) {
                throw new Malformed("the " + what + " exceeds " + maxBytes + " bytes");
            }
            line.write(b);
        }
    }

    private boolean fill() throws IOException {
        this.beforeRead.run();
        int n = this.in.read(this.buffer, 0, this.buffer.length);
        if (n <= 0) {
            return false;
        }
        this.position = 0;
        this.limit = n;
        this.received += n;
        return true;
    }
}
