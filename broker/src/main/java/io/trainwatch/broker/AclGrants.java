package io.trainwatch.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACLs a test grants on a broker started {@linkplain BrokerSecurity#withAcls() with ACLs}: each
 * {@link #allow} lets one user do some operations on some resources, from any host; {@link
 * #grantOn} creates them all at once, as the broker's super user.
 *
 * <pre>{@code
 * new AclGrants()
 *     .allow("trainer", ResourceType.TOPIC, "trainwatch.events", PatternType.LITERAL,
 *         AclOperation.WRITE, AclOperation.DESCRIBE)
 *     .grantOn(broker);
 * }</pre>
 */
public final class AclGrants {

  private final List<AclBinding> bindings = new ArrayList<>();

  /**
   * Lets {@code user} do {@code operations} on the resources of {@code type} that {@code name}
   * names ({@link PatternType#LITERAL}) or starts ({@link PatternType#PREFIXED}).
   */
  public AclGrants allow(
      String user,
      ResourceType type,
      String name,
      PatternType pattern,
      AclOperation... operations) {
    for (AclOperation op : operations) {
      bindings.add(
          new AclBinding(
              new ResourcePattern(type, name, pattern),
              new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW)));
    }
    return this;
  }

  /** The ACL bindings so far. */
  public List<AclBinding> bindings() {
    return List.copyOf(bindings);
  }

  /** Creates the ACLs on {@code broker} (waiting at most 30 s). */
  public void grantOn(EmbeddedKafkaBroker broker) throws Exception {
    try (Admin admin = Admin.create(broker.adminClientConfig())) {
      admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
    }
  }
}
