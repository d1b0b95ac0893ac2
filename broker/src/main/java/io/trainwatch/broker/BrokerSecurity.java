package io.trainwatch.broker;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Authentication (SASL) on the broker's client listener and, optionally, authorization by ACLs.
 *
 * <p>The broker authenticates itself as {@link #ADMIN_USER}, a super user, on every listener:
 * between its broker and controller roles over PLAIN, and inter-broker (e.g. transaction markers)
 * with the client mechanism. No listener accepts unauthenticated connections, so no anonymous
 * principal ever needs a grant.
 *
 * <pre>{@code
 * BrokerSecurity security = BrokerSecurity.sasl(SaslMechanism.SCRAM_SHA_256, Map.of("monitor", "s3cret"))
 *     .withAcls();                                  // deny unless an ACL allows, super users excepted
 * EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Options.defaults().withSecurity(security));
 * Map<String, Object> monitorClient = broker.clientConfig("monitor");
 * }</pre>
 *
 * <p>{@link #toString()} never shows a password.
 *
 * @param mechanism how clients authenticate
 * @param users user name to password of the client accounts (the broker's own account is added to
 *     these)
 * @param aclsEnabled whether the {@code StandardAuthorizer} is on: then a request is refused unless
 *     an ACL allows it
 * @param superUsers user names that bypass ACLs; {@link #ADMIN_USER} is always one
 * @param adminPassword the password of {@link #ADMIN_USER}
 */
public record BrokerSecurity(
    SaslMechanism mechanism,
    Map<String, String> users,
    boolean aclsEnabled,
    Set<String> superUsers,
    String adminPassword) {

  /**
   * The broker's own account: a super user, used by the broker itself and by {@link
   * EmbeddedKafkaBroker}'s admin.
   */
  public static final String ADMIN_USER = "admin";

  /** SASL mechanisms the embedded broker can offer. */
  public enum SaslMechanism {
    PLAIN("PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule"),
    SCRAM_SHA_256("SCRAM-SHA-256", "org.apache.kafka.common.security.scram.ScramLoginModule"),
    SCRAM_SHA_512("SCRAM-SHA-512", "org.apache.kafka.common.security.scram.ScramLoginModule");

    private final String wireName;
    private final String loginModule;

    SaslMechanism(String wireName, String loginModule) {
      this.wireName = wireName;
      this.loginModule = loginModule;
    }

    /** The name Kafka configurations use ({@code sasl.mechanism}). */
    public String wireName() {
      return wireName;
    }

    /** The JAAS login module a client of this mechanism uses. */
    public String loginModule() {
      return loginModule;
    }

    public boolean isScram() {
      return this != PLAIN;
    }
  }

  /** Name of the SASL client listener in broker settings ({@code listener.name.client.*}). */
  static final String CLIENT_LISTENER = "CLIENT";

  private static final String ADMIN_PASSWORD_ALPHABET =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

  public BrokerSecurity {
    if (mechanism == null) {
      throw new IllegalArgumentException("mechanism: required");
    }
    users = users == null ? Map.of() : Map.copyOf(users);
    for (Map.Entry<String, String> user : users.entrySet()) {
      checkUserName(user.getKey());
      if (user.getKey().equals(ADMIN_USER)) {
        throw new IllegalArgumentException(
            "users: '" + ADMIN_USER + "' is reserved for the broker itself");
      }
      checkPassword(user.getKey(), user.getValue());
    }
    checkPassword(ADMIN_USER, adminPassword);
    Set<String> supers = new TreeSet<>(superUsers == null ? Set.of() : superUsers);
    supers.forEach(BrokerSecurity::checkUserName);
    supers.add(ADMIN_USER);
    superUsers = Set.copyOf(supers);
  }

  /** SASL with the given client accounts, no ACLs; the broker's own password is random. */
  public static BrokerSecurity sasl(SaslMechanism mechanism, Map<String, String> users) {
    return new BrokerSecurity(mechanism, users, false, Set.of(), randomPassword());
  }

  /**
   * Turns ACL authorization on: every request is refused unless an ACL allows it, except for super
   * users.
   *
   * @param extraSuperUsers user names, besides {@link #ADMIN_USER}, that bypass ACLs
   */
  public BrokerSecurity withAcls(String... extraSuperUsers) {
    return new BrokerSecurity(
        mechanism, users, true, new LinkedHashSet<>(List.of(extraSuperUsers)), adminPassword);
  }

  /**
   * The client settings ({@code security.protocol}, {@code sasl.mechanism}, {@code
   * sasl.jaas.config}) of a user.
   */
  public Map<String, Object> clientConfig(String user) {
    String password = user.equals(ADMIN_USER) ? adminPassword : users.get(user);
    if (password == null) {
      throw new IllegalArgumentException("user '" + user + "': no such account on this broker");
    }
    return clientConfig(user, password);
  }

  /**
   * The client settings ({@code security.protocol}, {@code sasl.mechanism}, {@code
   * sasl.jaas.config}) of {@code user} logging in with {@code password}, right or wrong: what a
   * test of a refused login uses.
   */
  public Map<String, Object> clientConfig(String user, String password) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("security.protocol", "SASL_PLAINTEXT");
    config.put("sasl.mechanism", mechanism.wireName());
    config.put("sasl.jaas.config", jaas(mechanism.loginModule(), user, password, Map.of()));
    return config;
  }

  /**
   * The same settings as {@link #clientConfig(String, String)}, as the text of a client properties
   * file ({@code --command-config}) that an operator would write.
   */
  public String clientProperties(String user, String password) {
    StringBuilder out = new StringBuilder();
    clientConfig(user, password)
        .forEach(
            (key, value) ->
                out.append(key)
                    .append('=')
                    .append(String.valueOf(value).replace("\\", "\\\\"))
                    .append('\n'));
    return out.toString();
  }

  /** Broker settings for SASL listeners (client and controller) and, if enabled, the authorizer. */
  Map<String, String> brokerProperties(int port, int controllerPort) {
    Map<String, String> p = new LinkedHashMap<>();
    String client = CLIENT_LISTENER.toLowerCase(Locale.ROOT);
    p.put(
        "listeners",
        CLIENT_LISTENER + "://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
    p.put("advertised.listeners", CLIENT_LISTENER + "://localhost:" + port);
    p.put(
        "listener.security.protocol.map",
        CLIENT_LISTENER + ":SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
    p.put("inter.broker.listener.name", CLIENT_LISTENER);
    p.put("sasl.enabled.mechanisms", mechanism.wireName());
    p.put("sasl.mechanism.inter.broker.protocol", mechanism.wireName());
    String mech = mechanism.wireName().toLowerCase(Locale.ROOT);
    if (mechanism.isScram()) {
      // Server side: credentials live in the cluster metadata. Client side (inter-broker): the
      // broker's account.
      p.put(
          "listener.name." + client + "." + mech + ".sasl.jaas.config",
          jaas(mechanism.loginModule(), ADMIN_USER, adminPassword, Map.of()));
    } else {
      Map<String, String> accounts = new HashMap<>(users);
      accounts.put(ADMIN_USER, adminPassword);
      p.put(
          "listener.name." + client + ".plain.sasl.jaas.config",
          jaas(mechanism.loginModule(), ADMIN_USER, adminPassword, accounts));
    }
    // The controller cannot use SCRAM (its credentials are stored in the metadata it serves):
    // PLAIN, broker only.
    p.put("sasl.mechanism.controller.protocol", "PLAIN");
    p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
    p.put(
        "listener.name.controller.plain.sasl.jaas.config",
        jaas(
            SaslMechanism.PLAIN.loginModule(),
            ADMIN_USER,
            adminPassword,
            Map.of(ADMIN_USER, adminPassword)));
    if (aclsEnabled) {
      p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
      p.put("allow.everyone.if.no.acl.found", "false");
    }
    // Harmless without an authorizer, and tells a reader who is trusted.
    p.put(
        "super.users",
        String.join(";", superUsers.stream().sorted().map(u -> "User:" + u).toList()));
    return p;
  }

  /**
   * Arguments for {@code Formatter.setScramArguments}: the broker's account exists before the
   * broker starts.
   */
  List<String> formatScramArguments() {
    if (!mechanism.isScram()) {
      return List.of();
    }
    // The admin password is drawn from an alphabet the format parser needs no quoting for.
    return List.of(
        mechanism.wireName() + "=[name=" + ADMIN_USER + ",password=" + adminPassword + "]");
  }

  @Override
  public String toString() {
    return "BrokerSecurity[mechanism="
        + mechanism.wireName()
        + ", users="
        + new TreeSet<>(users.keySet())
        + ", aclsEnabled="
        + aclsEnabled
        + ", superUsers="
        + new TreeSet<>(superUsers)
        + ", passwords hidden]";
  }

  private static String jaas(
      String module, String user, String password, Map<String, String> accounts) {
    StringBuilder s =
        new StringBuilder(module)
            .append(" required username=\"")
            .append(user)
            .append("\" password=\"")
            .append(password)
            .append('"');
    new TreeSet<>(accounts.keySet())
        .forEach(
            name ->
                s.append(" user_")
                    .append(name)
                    .append("=\"")
                    .append(accounts.get(name))
                    .append('"'));
    return s.append(';').toString();
  }

  private static void checkUserName(String name) {
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "user name '" + name + "': must be 1..64 of A-Z a-z 0-9 . _ -");
    }
  }

  private static void checkPassword(String user, String password) {
    // Never echo the password: error messages end up in logs.
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("password of '" + user + "': must not be empty");
    }
    if (password.indexOf('"') >= 0 || password.indexOf('\\') >= 0 || password.indexOf('\n') >= 0) {
      throw new IllegalArgumentException(
          "password of '" + user + "': must not contain '\"', '\\' or a line break");
    }
  }

  private static String randomPassword() {
    SecureRandom random = new SecureRandom();
    StringBuilder s = new StringBuilder(24);
    for (int i = 0; i < 24; i++) {
      s.append(ADMIN_PASSWORD_ALPHABET.charAt(random.nextInt(ADMIN_PASSWORD_ALPHABET.length())));
    }
    return s.toString();
  }
}
