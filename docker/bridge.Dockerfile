# trainwatch bridge: delivers alerts from trainwatch.alerts to Slack, PagerDuty, Alertmanager or any webhook.
#
# Build context: containers/target/roles/bridge (made by `./mvnw -B -DskipTests package`): this file as Dockerfile
# and lib/ with the bridge module's runtime classpath. Any Debian/Ubuntu-based Java 17 runtime image works as base.
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

# The bridge's HTTP port (/healthz, /readyz, /metrics), on every interface of the container.
ENV TRAINWATCH_HTTP_PORT=8082
EXPOSE 8082
# Healthy while /readyz answers 200: the bridge's consumer has its partitions. bash's /dev/tcp asks it (no second JVM).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/${TRAINWATCH_HTTP_PORT} \
      && printf "GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && head -n 1 <&3 | grep -q " 200 "'
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-cp", "/opt/trainwatch/lib/*", \
            "io.trainwatch.containers.RoleMain", "io.trainwatch.bridge.BridgeCommand"]
# Last, because it is the only step that changes from one build to the next.
COPY lib/ /opt/trainwatch/lib/
