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
# The monitor's HTTP port (/healthz, /readyz, /metrics, runs API, dashboard), on every interface of the container.
ENV TRAINWATCH_HTTP_PORT=8081
EXPOSE 8081
# Healthy while /readyz answers 200: Kafka Streams is RUNNING (joined, partitions assigned, state restored). bash's
# /dev/tcp asks it, so the check starts no second JVM.
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/${TRAINWATCH_HTTP_PORT} \
      && printf "GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && head -n 1 <&3 | grep -q " 200 "'
# java is PID 1 (exec form): SIGTERM reaches the JVM, whose shutdown hook closes Kafka Streams cleanly.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-cp", "/opt/trainwatch/lib/*", \
            "io.trainwatch.containers.RoleMain", "io.trainwatch.monitor.MonitorCommand"]
# Last, because it is the only step that changes from one build to the next.
COPY lib/ /opt/trainwatch/lib/
