package io.trainwatch.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Slack's documented Block Kit limits for messages, checked independently of the code under test:
 * used by the unit tests and by the fake Slack server, which answers {@code invalid_blocks} as
 * Slack does when one is broken.
 */
final class SlackLimits {

  private static final Set<String> BLOCK_TYPES =
      Set.of("header", "section", "context", "divider", "actions", "image", "rich_text");

  private SlackLimits() {}

  /** The violations in a webhook payload; empty if Slack would accept it. */
  static List<String> violations(JsonNode msg) {
    List<String> v = new ArrayList<>();
    if (!msg.isObject()) {
      v.add("invalid_payload: not an object");
      return v;
    }
    JsonNode blocks = msg.path("blocks");
    if (!msg.hasNonNull("text") && (blocks.isMissingNode() || blocks.isEmpty())) {
      v.add("no_text");
    }
    if (msg.has("text") && msg.get("text").asText().length() > 40_000) {
      v.add("text longer than 40000");
    }
    if (blocks.size() > 50) {
      v.add("more than 50 blocks: " + blocks.size());
    }
    Set<String> blockIds = new HashSet<>();
    for (JsonNode b : blocks) {
      String type = b.path("type").asText();
      if (!BLOCK_TYPES.contains(type)) {
        v.add("unknown block type " + type);
      }
      String blockId = b.path("block_id").asText("");
      if (b.has("block_id") && (!blockIds.add(blockId) || blockId.length() > 255)) {
        v.add("duplicate or long block_id");
      }
      switch (type) {
        case "header" -> {
          textObject(b.path("text"), "header.text", 150, v);
          if (!"plain_text".equals(b.path("text").path("type").asText())) {
            v.add("header.text must be plain_text");
          }
        }
        case "section" -> {
          if (!b.has("text") && !b.has("fields")) {
            v.add("section without text or fields");
          }
          if (b.has("text")) {
            textObject(b.get("text"), "section.text", 3000, v);
          }
          if (b.has("fields")) {
            if (b.get("fields").size() > 10 || b.get("fields").isEmpty()) {
              v.add("section.fields: " + b.get("fields").size() + " items (1..10 allowed)");
            }
            for (JsonNode f : b.get("fields")) {
              textObject(f, "section.fields[]", 2000, v);
            }
          }
        }
        case "context" -> {
          JsonNode el = b.path("elements");
          if (el.isEmpty() || el.size() > 10) {
            v.add("context.elements: " + el.size() + " items (1..10 allowed)");
          }
          for (JsonNode e : el) {
            textObject(e, "context.elements[]", 3000, v);
          }
        }
        default -> {}
      }
    }
    return v;
  }

  private static void textObject(JsonNode t, String where, int max, List<String> v) {
    String type = t.path("type").asText();
    if (!type.equals("mrkdwn") && !type.equals("plain_text")) {
      v.add(where + ": type " + type);
    }
    String text = t.path("text").asText("");
    if (text.isEmpty()) {
      v.add(where + ": empty text");
    }
    if (text.length() > max) {
      v.add(where + ": " + text.length() + " characters (max " + max + ")");
    }
    if (type.equals("mrkdwn") && hasUnescapedControl(text)) {
      v.add(where + ": unescaped < > & in " + text);
    }
  }

  /**
   * A bare {@code <} or {@code >} or {@code &} outside Slack's own {@code <url|label>} and {@code
   * <!date^...>}.
   */
  private static boolean hasUnescapedControl(String text) {
    String withoutLinks = text.replaceAll("<(https?://[^|>\\s]+|!date\\^[^>]+)(\\|[^>]*)?>", "");
    String withoutEntities = withoutLinks.replaceAll("&(amp|lt|gt);", "");
    return withoutEntities.contains("<")
        || withoutEntities.contains(">")
        || withoutEntities.contains("&");
  }
}
