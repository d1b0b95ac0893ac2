# trainwatch monitor: the Kafka Streams application that runs the rules and publishes alerts. No DL4J in here.
#
# Build context: containers/target/roles/monitor (made by `./mvnw -B -DskipTests package`): this file as Dockerfile
# and lib/ with the monitor module's runtime classpath. Any Debian/Ubuntu-based Java 17 runtime image works as base.
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

# Kafka Streams state (RocksDB stores, checkpoints) lives in the volume: a restart resumes instead of restoring.
# Every option can also come from the environment as TRAINWATCH_<OPTION>; these are the image's defaults.
ENV TRAINWATCH_STATE_DIR=/var/lib/trainwatch/state
# Healthy while the monitor's consumer group is stable: up, in its group, holding its partitions.
HEALTHCHECK --interval=10s --timeout=10s --start-period=120s --retries=3 \
  CMD java -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
      -cp '/opt/trainwatch/lib/*' io.trainwatch.containers.GroupHealthCheck \
      "${TRAINWATCH_APPLICATION_ID:-trainwatch-monitor}"
# java is PID 1 (exec form): SIGTERM reaches the JVM, whose shutdown hook closes Kafka Streams cleanly.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-cp", "/opt/trainwatch/lib/*", \
            "io.trainwatch.containers.RoleMain", "io.trainwatch.monitor.MonitorCommand"]
# Last, because it is the only step that changes from one build to the next.
COPY lib/ /opt/trainwatch/lib/
