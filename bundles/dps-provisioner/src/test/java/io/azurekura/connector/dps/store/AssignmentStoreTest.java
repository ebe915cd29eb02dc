package io.azurekura.connector.dps.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.azurekura.connector.api.dps.Assignment;

class AssignmentStoreTest {

    @TempDir
    Path dir;

    private final Assignment assignment = new Assignment("0ne00STORE1", "dev-1", "hub.azure-devices.net", "dev-1",
            "initialAssignment", "{\"a\":[1,2]}", Instant.parse("2030-05-06T07:08:09.123Z"));

    private AssignmentStore store() {
        return new AssignmentStore(this.dir.resolve("nested/dps/assignment-x.json"));
    }

    private static boolean posix(Path path) throws Exception {
        return Files.getFileStore(path).supportsFileAttributeView("posix");
    }

    @Test
    void roundTripsAnAssignment() throws Exception {
        AssignmentStore store = store();
        store.save(this.assignment);

        AssignmentStore.Loaded loaded = store.load();

        assertThat(loaded.problem()).isNull();
        assertThat(loaded.assignment()).isEqualTo(this.assignment);
    }

    @Test
    void writesOwnerOnlyFilesAndLeavesNoTemporaryFiles() throws Exception {
        AssignmentStore store = store();
        store.save(this.assignment);
        store.save(new Assignment("0ne00STORE1", "dev-1", "other.azure-devices.net", "dev-1", null, null,
                Instant.now()));

        try (Stream<Path> files = Files.list(store.file().getParent())) {
            assertThat(files).containsExactly(store.file());
        }
        assertThat(store.load().assignment().assignedHub()).isEqualTo("other.azure-devices.net");
        if (posix(store.file())) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file())))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file().getParent())))
                    .isEqualTo("rwx------");
        }
    }

    @Test
    void anAbsentFileIsNeitherAnAssignmentNorAProblem() {
        AssignmentStore.Loaded loaded = store().load();

        assertThat(loaded.assignment()).isNull();
        assertThat(loaded.problem()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "garbage", "[1,2]", "{\"formatVersion\":1,\"idScope\":\"0ne",
            "{\"formatVersion\":2,\"idScope\":\"s\",\"registrationId\":\"r\",\"assignedHub\":\"h\","
                    + "\"deviceId\":\"d\",\"assignedAt\":\"2030-01-01T00:00:00Z\"}",
            "{\"formatVersion\":1,\"idScope\":\"s\",\"registrationId\":\"r\",\"deviceId\":\"d\","
                    + "\"assignedAt\":\"2030-01-01T00:00:00Z\"}",
            "{\"formatVersion\":1,\"idScope\":\"s\",\"registrationId\":\"r\",\"assignedHub\":\"h\","
                    + "\"deviceId\":\"d\",\"assignedAt\":\"yesterday\"}",
            "{\"formatVersion\":1,\"idScope\":\"s\",\"registrationId\":\"r\",\"assignedHub\":\"h\","
                    + "\"deviceId\":\"d\"}",
            "{\"formatVersion\":\"one\"}" })
    void aDamagedFileIsAProblemNotAnAssignment(String content) throws Exception {
        AssignmentStore store = store();
        Files.createDirectories(store.file().getParent());
        Files.writeString(store.file(), content, StandardCharsets.UTF_8);

        AssignmentStore.Loaded loaded = store.load();

        assertThat(loaded.assignment()).isNull();
        assertThat(loaded.problem()).isNotBlank();
    }

    @Test
    void anOversizedFileIsRefusedUnread() throws Exception {
        AssignmentStore store = store();
        Files.createDirectories(store.file().getParent());
        Files.write(store.file(), new byte[(int) AssignmentStore.MAX_FILE_BYTES + 1]);

        assertThat(store.load().problem()).contains("larger than");
    }

    @Test
    void deleteRemovesTheFile() throws Exception {
        AssignmentStore store = store();
        store.save(this.assignment);

        assertThat(store.delete()).isTrue();
        assertThat(store.delete()).isFalse();
        assertThat(store.load().assignment()).isNull();
    }
}
