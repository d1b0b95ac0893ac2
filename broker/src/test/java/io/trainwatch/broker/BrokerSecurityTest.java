package io.trainwatch.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.broker.BrokerSecurity.SaslMechanism;
import java.io.StringReader;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

class BrokerSecurityTest {

  @Test
  void shouldWriteAClientPropertiesFileThatReadsBackAsTheClientSettings() throws Exception {
    BrokerSecurity security =
        BrokerSecurity.sasl(SaslMechanism.SCRAM_SHA_256, Map.of("alice", "pw-1"));

    String text = security.clientProperties("alice", "back\\slash");
    Properties read = new Properties();
    read.load(new StringReader(text));

    assertThat(read)
        .containsExactlyInAnyOrderEntriesOf(security.clientConfig("alice", "back\\slash"));
    assertThat(read.getProperty("sasl.jaas.config"))
        .isEqualTo(
            "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"alice\" password=\"back\\slash\";");
    assertThat(security.clientConfig("alice")).isEqualTo(security.clientConfig("alice", "pw-1"));
  }

  @Test
  void shouldGrantEachOperationOfAUserOnThePattern() {
    AclGrants grants =
        new AclGrants()
            .allow(
                "bridge",
                ResourceType.TOPIC,
                "team-a.",
                PatternType.PREFIXED,
                AclOperation.READ,
                AclOperation.WRITE);

    assertThat(grants.bindings())
        .hasSize(2)
        .allSatisfy(
            b -> {
              assertThat(b.entry().principal()).isEqualTo("User:bridge");
              assertThat(b.pattern().name()).isEqualTo("team-a.");
              assertThat(b.pattern().patternType()).isEqualTo(PatternType.PREFIXED);
            })
        .extracting(b -> b.entry().operation())
        .containsExactly(AclOperation.READ, AclOperation.WRITE);
  }
}
