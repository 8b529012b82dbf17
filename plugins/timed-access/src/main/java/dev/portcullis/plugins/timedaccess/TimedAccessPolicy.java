package dev.portcullis.plugins.timedaccess;

import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyContext;
import io.vertx.core.Future;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Allows a request only inside the route's windows and, with {@code roles}, only for a user who
 * holds a listed role that is inside its own window. Decides on {@link PolicyContext#clock()} and
 * {@link Identity#roles()} (which the core already limits to role bindings valid now); a deny
 * writes an {@code outside-window} audit event with the window checked and when it opens next.
 */
final class TimedAccessPolicy implements Policy {

  static final String KEY = "OUTSIDE_TIME_WINDOW";
  static final String EVENT = "outside-window";

  private static final Future<Decision> ALLOW = Future.succeededFuture(Decision.allow());
  private static final Future<Decision> LOGIN = Future.succeededFuture(
      Decision.challenge("login", "sign in first"));
  private static final int MAX_DETAIL = 256;

  /** Empty when there is no route-wide window. */
  private final List<TimeWindow> windows;
  private final String windowsText;
  /** Null when there is no role check; in configuration order. */
  private final Map<String, List<TimeWindow>> roles;
  /** Null for the default messages. */
  private final String message;

  TimedAccessPolicy(List<TimeWindow> windows, Map<String, List<TimeWindow>> roles, String message) {
    this.windows = List.copyOf(windows);
    this.windowsText = text(windows);
    this.roles = roles == null ? null : new LinkedHashMap<>(roles);
    this.message = message;
  }

  @Override
  public Future<Decision> evaluate(PolicyContext context) {
    Instant now = context.clock().instant();
    if (!windows.isEmpty() && !anyContains(windows, now)) {
      return deny(context, windowsText, closedNow(windowsText), windows, now);
    }
    if (roles == null) {
      return ALLOW;
    }
    Optional<Identity> identity = context.identity();
    if (identity.isEmpty()) {
      return LOGIN;
    }
    Set<String> held = identity.get().roles();
    List<TimeWindow> closed = new ArrayList<>();
    for (Map.Entry<String, List<TimeWindow>> role : roles.entrySet()) {
      if (held.contains(role.getKey())) {
        if (anyContains(role.getValue(), now)) {
          return ALLOW;
        }
        closed.addAll(role.getValue());
      }
    }
    String text = closed.isEmpty() ? "you hold no role that may use this route" : closedNow(text(closed));
    return deny(context, "roles", text, closed, now);
  }

  private Future<Decision> deny(PolicyContext context, String checked, String defaultMessage,
      List<TimeWindow> reopening, Instant now) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("window", clip(checked));
    reopening.stream().map(w -> w.nextChange(now)).flatMap(Optional::stream).min(Instant::compareTo)
        .ifPresent(at -> details.put("retryAt", at.toString()));
    context.audit(EVENT, details);
    return Future.succeededFuture(Decision.deny(403, KEY, message != null ? message : defaultMessage));
  }

  private static boolean anyContains(List<TimeWindow> windows, Instant now) {
    for (TimeWindow window : windows) {
      if (window.contains(now)) {
        return true;
      }
    }
    return false;
  }

  private static String closedNow(String windows) {
    return "this route is closed now; it is open " + windows;
  }

  private static String text(List<TimeWindow> windows) {
    return windows.stream().map(TimeWindow::text).distinct().collect(Collectors.joining(" or "));
  }

  private static String clip(String text) {
    return text.length() <= MAX_DETAIL ? text : text.substring(0, MAX_DETAIL - 1) + "…";
  }
}
