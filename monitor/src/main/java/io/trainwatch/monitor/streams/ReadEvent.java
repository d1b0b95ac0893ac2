package io.trainwatch.monitor.streams;

import io.trainwatch.schemas.TrainingEvent;

/**
 * An event as read from {@code trainwatch.events}, with the bytes it was read from: an event that
 * turns out not to fit its run's history is dead-lettered unchanged, as a record that cannot be
 * read at all is.
 */
record ReadEvent(TrainingEvent event, byte[] key, byte[] value) {}
