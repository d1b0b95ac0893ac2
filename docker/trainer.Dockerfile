# trainwatch demo trainer: one real DL4J training run on generated data, publishing its events to Kafka.
#
# Build context: containers/target/roles/trainer (made by `./mvnw -B -DskipTests package`): this file as Dockerfile
# and lib/ with the trainer-cli module's runtime classpath (the trainer library and the train command), ND4J's native libraries for linux-x86_64 included.
# The base must be glibc-based (Debian/Ubuntu JRE 17 images are): the native libraries do not load on musl.
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

# JavaCPP unpacks the native libraries into the volume on first use; a kept volume spares the next run that work.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", \
            "-Dorg.bytedeco.javacpp.cachedir=/var/lib/trainwatch/javacpp", "-cp", "/opt/trainwatch/lib/*", \
            "io.trainwatch.containers.RoleMain", "io.trainwatch.trainer.cli.TrainCommand"]
# Last, because it is the only step that changes from one build to the next.
COPY lib/ /opt/trainwatch/lib/
