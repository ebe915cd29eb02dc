package io.azurekura.connector.dps.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
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
    /** An assignment is a few hundred bytes; anything far larger is not ours. */
    static final long MAX_FILE_BYTES = 1_048_576;

    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private final Path file;

    public AssignmentStore(Path file) {
        this.file = file.toAbsolutePath();
    }

    public Path file() {
        return this.file;
    }

    public Loaded load() {
        String text;
        try {
            if (Files.size(this.file) > MAX_FILE_BYTES) {
                return new Loaded(null, "the file is larger than " + MAX_FILE_BYTES + " bytes");
            }
            text = Files.readString(this.file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new Loaded(null, null);
        } catch (IOException e) {
            return new Loaded(null, "cannot read it: " + e.getMessage());
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

    private static String text(JsonObject json, String field) {
        JsonElement value = json.get(field);
        return value == null || value.isJsonNull() ? null : value.getAsString();
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
