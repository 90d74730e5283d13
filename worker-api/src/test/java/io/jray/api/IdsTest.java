package io.jray.api;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class IdsTest {

    private static <I extends BaseId> void checkRoundTrip(Supplier<I> random, Function<byte[], I> fromBytes,
            Function<String, I> fromHex, int size) throws Exception {
        I id = random.get();
        assertEquals(size, id.bytes().length);
        assertEquals(2 * size, id.hex().length());
        assertEquals(id.hex(), id.toString());
        assertEquals(id, fromBytes.apply(id.bytes()));
        assertEquals(id, fromHex.apply(id.hex()));
        assertEquals(id.hashCode(), fromHex.apply(id.hex()).hashCode());
        assertNotEquals(id, random.get());
        assertEquals(id, serializeRoundTrip(id));

        assertThrows(IllegalArgumentException.class, () -> fromBytes.apply(new byte[size - 1]));
        assertThrows(IllegalArgumentException.class, () -> fromBytes.apply(new byte[size + 1]));
        assertThrows(IllegalArgumentException.class, () -> fromHex.apply("ab"));
        assertThrows(IllegalArgumentException.class, () -> fromHex.apply("zz".repeat(size)));
    }

    @Test
    void nodeWorkerTaskActorIdsRoundTrip() throws Exception {
        checkRoundTrip(NodeId::random, NodeId::fromBytes, NodeId::fromHex, 16);
        checkRoundTrip(WorkerId::random, WorkerId::fromBytes, WorkerId::fromHex, 16);
        checkRoundTrip(TaskId::random, TaskId::fromBytes, TaskId::fromHex, 16);
        checkRoundTrip(ActorId::random, ActorId::fromBytes, ActorId::fromHex, 16);
    }

    @Test
    void jobIdFromInt() throws Exception {
        JobId job = JobId.fromInt(258);
        assertEquals("00000102", job.hex());
        assertEquals(258, job.toInt());
        assertEquals(job, JobId.fromHex("00000102"));
        assertEquals(job, serializeRoundTrip(job));
        assertThrows(IllegalArgumentException.class, () -> JobId.fromBytes(new byte[5]));
    }

    @Test
    void bytesAreCopiedBothWays() {
        byte[] raw = new byte[16];
        NodeId id = NodeId.fromBytes(raw);
        raw[0] = 1;
        id.bytes()[1] = 1;
        assertArrayEquals(new byte[16], id.bytes());
    }

    @Test
    void differentIdTypesWithSameBytesAreNotEqual() {
        byte[] raw = new byte[16];
        assertNotEquals(NodeId.fromBytes(raw), WorkerId.fromBytes(raw));
    }

    @Test
    void objectIdForReturn() {
        TaskId task = TaskId.random();
        ObjectId id = ObjectId.forReturn(task, 3);
        assertEquals(20, id.bytes().length);
        assertEquals(task, id.taskId());
        assertEquals(3, id.index());
        assertFalse(id.isPut());
        assertTrue(id.hex().startsWith(task.hex()));
        assertTrue(id.hex().endsWith("00000003"));
        assertEquals(id, ObjectId.fromHex(id.hex()));
        assertThrows(IllegalArgumentException.class, () -> ObjectId.forReturn(task, -1));
        assertThrows(IllegalArgumentException.class, () -> ObjectId.fromBytes(new byte[16]));
    }

    @Test
    void objectIdForPutIsDistinctFromReturn() {
        TaskId task = TaskId.random();
        ObjectId put = ObjectId.forPut(task, 3);
        assertEquals(task, put.taskId());
        assertEquals(3, put.index());
        assertTrue(put.isPut());
        assertTrue(put.hex().endsWith("80000003"));
        assertNotEquals(ObjectId.forReturn(task, 3), put);
    }

    private static Object serializeRoundTrip(Object o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return in.readObject();
        }
    }
}
