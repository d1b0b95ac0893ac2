package io.trainwatch.bridge;

import java.net.http.HttpClient;
import java.time.Clock;

/** Builds the sink a config asks for. */
public final class Sinks {

  private Sinks() {}

  /** The sink for {@code config}'s destination, with its own HTTP client. */
  public static Sink create(BridgeConfig config, Clock clock) {
    return create(config, HttpPoster.newClient(config.httpConnectTimeout()), clock);
  }

  static Sink create(BridgeConfig config, HttpClient client, Clock clock) {
    HttpPoster http = new HttpPoster(client, config.httpTimeout(), config.redactor());
    LinkTemplates links = config.links();
    DestinationSettings s = config.destinationSettings();
    if (s instanceof DestinationSettings.Slack slack) {
      return new SlackSink(slack, links, http, clock);
    }
    if (s instanceof DestinationSettings.PagerDuty pd) {
      return new PagerDutySink(pd, links, http, clock);
    }
    if (s instanceof DestinationSettings.Alertmanager am) {
      return new AlertmanagerSink(am, links, http, clock);
    }
    if (s instanceof DestinationSettings.Webhook wh) {
      return new WebhookSink(wh, config.name(), links, http, clock);
    }
    throw new IllegalStateException("unhandled destination " + s.destination());
  }
}
