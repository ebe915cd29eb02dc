package io.azurekura.connector.dps.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.azurekura.connector.api.dps.Assignment;

/**
 * Keeps one assignment on disk so a restart needs no DPS call. The file is JSON (format version 1) holding only
 * what {@link Assignment} holds: no token, key or other secret. Writes are atomic (temp file in the same
 * directory, fsync, rename), so a power cut leaves the old file or the new one, never half of one; files and the
 * directory are owner-only where the file system supports POSIX permissions.
 */
public final class AssignmentStore {

    /** What {@link #load()} found. */
    public static final class Loaded {
        private final Assignment assignment;
        private final String problem;

        private Loaded(Assignment assignment, String problem) {
            this.assignment = assignment;
            this.problem = problem;
        }

        /** The saved assignment; null when there was none or it was unreadable. */
        public Assignment assignment() {
            return this.assignment;
        }

        /** Why the file could not be used; null when it was absent or fine. */
        public String problem() {
            return this.problem;
        }
    }

    static final int FORMAT_VERSION = 1;
    /**
     * An assignment is a few hundred bytes plus the custom payload (at most DPS's capped answer, 64 KiB); this
     * many bytes are read at most, whatever the file system says the size is.
     */
    static final int MAX_FILE_BYTES = 131_072;

    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> WRITABLE_BY_OTHERS = Set.of(PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_WRITE);

    private final Path file;

    public AssignmentStore(Path file) {
        this.file = file.toAbsolutePath();
    }

    public Path file() {
        return this.file;
    }

    /**
     * Reads the saved assignment, trusting the file only as far as it deserves: only a regular file is opened,
     * never through a symbolic link (a link to {@code /dev/zero} reports size 0 and never ends; a FIFO blocks the
     * open), at most {@link #MAX_FILE_BYTES} are read, and a file another user owns or may write is ignored: whoever
     * can write it could send the device to a hub of their choosing. The content is only parsed here; whether the
     * assignment may be used is the provisioner's decision, with the rules it applies to a live DPS answer
     * (docs/dps.md, "The saved assignment file").
     */
    public Loaded load() {
        byte[] bytes;
        try {
            String refusal = refusal();
            if (refusal != null) {
                return new Loaded(null, refusal);
            }
            bytes = readCapped();
            if (bytes == null) {
                return new Loaded(null, "the file is larger than " + MAX_FILE_BYTES + " bytes");
            }
        } catch (NoSuchFileException e) {
            return new Loaded(null, null);
        } catch (IOException e) {
            return new Loaded(null, "cannot read it: " + e.getClass().getSimpleName());
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new Loaded(null, "it is not UTF-8 text");
        }
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonObject()) {
                return new Loaded(null, "it is not a JSON object");
            }
            JsonObject json = root.getAsJsonObject();
            JsonElement version = json.get("formatVersion");
            if (version == null || !version.isJsonPrimitive() || version.getAsInt() != FORMAT_VERSION) {
                return new Loaded(null, "unknown format version");
            }
            String assignedAt = text(json, "assignedAt");
            if (assignedAt == null) {
                return new Loaded(null, "it is incomplete: assignedAt is missing");
            }
            return new Loaded(new Assignment(text(json, "idScope"), text(json, "registrationId"),
                    text(json, "assignedHub"), text(json, "deviceId"), text(json, "substatus"),
                    text(json, "payload"), Instant.parse(assignedAt)), null);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException | NumberFormatException
                | DateTimeParseException e) {
            return new Loaded(null, "it is not a valid assignment file (" + e.getClass().getSimpleName() + ")");
        } catch (IllegalArgumentException e) {
            return new Loaded(null, "it is incomplete: " + e.getMessage());
        }
    }

    /** Why the file must not be opened at all, or null; checked without following a link. */
    private String refusal() throws IOException {
        BasicFileAttributes basic = Files.readAttributes(this.file, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (basic.isSymbolicLink()) {
            return "it is a symbolic link (only a regular file written by this provisioner is trusted)";
        }
        if (!basic.isRegularFile()) {
            return "it is not a regular file (a device, FIFO or directory)";
        }
        if (!posix()) {
            return null;
        }
        PosixFileAttributes attributes = Files.readAttributes(this.file, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        UserPrincipal us = currentUser();
        if (us != null && !us.equals(attributes.owner())) {
            return "it is owned by another user, so it is not trusted";
        }
        Set<PosixFilePermission> permissions = attributes.permissions();
        if (!Collections.disjoint(permissions, WRITABLE_BY_OTHERS)) {
            return "it is writable by group or others (" + PosixFilePermissions.toString(permissions)
                    + "), so it is not trusted";
        }
        return null;
    }

    /** At most {@link #MAX_FILE_BYTES}, opened without following a link; null when there is more. */
    private byte[] readCapped() throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(this.file, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buffer = ByteBuffer.allocate(MAX_FILE_BYTES + 1);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // keep reading: a read may return fewer bytes than are left
            }
            if (!buffer.hasRemaining()) {
                return null;
            }
            byte[] bytes = new byte[buffer.position()];
            buffer.flip().get(bytes);
            return bytes;
        }
    }

    private static UserPrincipal currentUser() {
        try {
            return FileSystems.getDefault().getUserPrincipalLookupService()
                    .lookupPrincipalByName(System.getProperty("user.name"));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null; // cannot tell: the other checks still apply
        }
    }

    /** A string field or null; any other JSON type (Gson would turn {@code [1]} into "1") is a damaged file. */
    private static String text(JsonObject json, String field) {
        JsonElement value = json.get(field);
        if (value == null || value.isJsonNull()) {
            return null;
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new IllegalStateException(field + " is not a string");
        }
        return value.getAsString();
    }

    public void save(Assignment assignment) throws IOException {
        JsonObject json = new JsonObject();
        json.addProperty("formatVersion", FORMAT_VERSION);
        json.addProperty("idScope", assignment.idScope());
        json.addProperty("registrationId", assignment.registrationId());
        json.addProperty("assignedHub", assignment.assignedHub());
        json.addProperty("deviceId", assignment.deviceId());
        json.addProperty("substatus", assignment.substatus().orElse(null));
        json.addProperty("payload", assignment.payload().orElse(null));
        json.addProperty("assignedAt", assignment.assignedAt().toString());
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);

        Path directory = this.file.getParent();
        createDirectory(directory);
        Path temp = posix() ? Files.createTempFile(directory, ".assignment-", ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_FILE))
                : Files.createTempFile(directory, ".assignment-", ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING); OutputStream out = Channels.newOutputStream(channel)) {
                out.write(bytes);
                out.flush();
                channel.force(true);
            }
            try {
                Files.move(temp, this.file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, this.file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** @return true if a file was deleted */
    public boolean delete() throws IOException {
        return Files.deleteIfExists(this.file);
    }

    private static void createDirectory(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        FileAttribute<?>[] attributes = posix()
                ? new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY) }
                : new FileAttribute<?>[0];
        Files.createDirectories(directory, attributes);
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    @Override
    public String toString() {
        return this.file.toString();
    }
}
