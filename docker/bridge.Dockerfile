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

ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-cp", "/opt/trainwatch/lib/*", \
            "io.trainwatch.containers.RoleMain", "io.trainwatch.bridge.BridgeCommand"]
# Last, because it is the only step that changes from one build to the next.
COPY lib/ /opt/trainwatch/lib/
