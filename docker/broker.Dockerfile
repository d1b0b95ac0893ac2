# trainwatch broker: the project's embedded Kafka broker (the real Kafka 4.4 broker, single-node KRaft), for
# places without a registry to pull apache/kafka from. Listens on localhost:$TRAINWATCH_PORT: run it with host
# networking.
#
# Build context: containers/target/roles/broker (made by `./mvnw -B -DskipTests package`): this file as Dockerfile
# and lib/ with the broker module's runtime classpath plus the app jar for its `broker` command.
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}

# The same first steps in every role's Dockerfile, so the engine builds them once and shares them.
RUN groupadd --system --gid 10001 trainwatch \
 && useradd --system --uid 10001 --gid trainwatch --home-dir /var/lib/trainwatch --shell /usr/sbin/nologin trainwatch \
 && mkdir -p /var/lib/trainwatch \
 && chown trainwatch:trainwatch /var/lib/trainwatch
VOLUME /var/lib/trainwatch
USER trainwatch
WORKDIR /var/lib/trainwatch

# The Kafka log directory is in the volume: topics and offsets survive a restart of the container.
ENV TRAINWATCH_PORT=9092 \
    TRAINWATCH_DATA_DIR=/var/lib/trainwatch/kafka
# Healthy once the client port accepts connections (bash's /dev/tcp: no extra tools needed in the image).
HEALTHCHECK --interval=2s --timeout=2s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/localhost/${TRAINWATCH_PORT}"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-cp", "/opt/trainwatch/lib/*", \
            "io.trainwatch.containers.RoleMain", "io.trainwatch.app.BrokerCommand"]
# Last, because it is the only step that changes from one build to the next.
COPY lib/ /opt/trainwatch/lib/
