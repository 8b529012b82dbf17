package dev.portcullis.gateway.identity.portal;

import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.access.AccessRefused;
import dev.portcullis.gateway.identity.access.AccessRequest;
import dev.portcullis.gateway.identity.access.AccessRequests;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.portcullis.gateway.identity.portal.Html.escape;

/** The access page: request access, one's own requests, requests to decide on, elevation. */
final class AccessHtml {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm 'UTC'")
      .withZone(ZoneOffset.UTC);
  /** Field names as the page labels them: every error message names its field this way. */
  static final Map<String, String> LABELS = Map.of("targetType", "Type of access", "target", "Role or route",
      "reason", "Reason", "duration", "Duration", "role", "Role", "decision", "Decision", "comment", "Comment",
      "request", "Request");

  private AccessHtml() {
  }

  /**
   * The values one form was sent with and what was wrong with them, to show it again.
   *
   * @param kind request, vote, elevate or none
   */
  record Form(String kind, Map<String, String> values, Map<String, String> errors) {

    static Form none() {
      return new Form("none", Map.of(), Map.of());
    }

    static Form prefilled(String targetType, String target) {
      return request(targetType, target, null, null);
    }

    static Form request(String targetType, String target, String reason, String duration) {
      return new Form("request", values("targetType", targetType, "target", target, "reason", reason,
          "duration", duration), Map.of());
    }

    static Form vote(String request, String comment) {
      return new Form("vote", values("request", request, "comment", comment), Map.of());
    }

    static Form elevate(String role, String reason, String duration) {
      return new Form("elevate", values("role", role, "reason", reason, "duration", duration), Map.of());
    }

    Form refused(AccessRefused refused) {
      return new Form(kind, values, refused.fields());
    }

    String value(String field) {
      String v = values.get(field);
      return v == null ? "" : v;
    }

    private static Map<String, String> values(String... pairs) {
      Map<String, String> out = new LinkedHashMap<>();
      for (int i = 0; i + 1 < pairs.length; i += 2) {
        if (pairs[i + 1] != null) {
          // long enough for any valid value, short enough that a huge post is not echoed back whole
          out.put(pairs[i], pairs[i + 1].length() > 2000 ? pairs[i + 1].substring(0, 2000) : pairs[i + 1]);
        }
      }
      return out;
    }
  }

  static String page(String csrf, AccessRequests.Overview overview, IdentityConfig.Access config, Form form,
      String notice, AccessRefused refused) {
    StringBuilder body = new StringBuilder();
    body.append("<p>Signed in as <strong>").append(escape(overview.user().username())).append("</strong>.</p>\n");
    if (notice != null) {
      body.append("<p class=\"notice\" role=\"status\" id=\"notice\">").append(escape(notice)).append("</p>\n");
    }
    if (refused != null && refused.fields().isEmpty()) {
      body.append("<p class=\"error\" role=\"alert\" id=\"page-error\">").append(escape(refused.getMessage()))
          .append("</p>\n");
    }
    requestForm(body, csrf, overview, config, form.kind().equals("request") ? form : Form.none());
    mine(body, csrf, overview);
    if (overview.approver()) {
      toDecide(body, csrf, overview, form.kind().equals("vote") ? form : Form.none());
    }
    if (!overview.elevatable().isEmpty()) {
      elevation(body, csrf, overview, form.kind().equals("elevate") ? form : Form.none());
    }
    return Html.page("Access", body.toString()).replace("<main class=\"card\"", "<main class=\"card wide\"");
  }

  private static void requestForm(StringBuilder body, String csrf, AccessRequests.Overview overview,
      IdentityConfig.Access config, Form form) {
    body.append("<section aria-labelledby=\"request-title\">\n<h2 id=\"request-title\">Request access</h2>\n");
    body.append("<p class=\"hint\">").append(config.approvals()).append(config.approvals() == 1 ? " person" : " people")
        .append(" other than you must approve within ").append(escape(AccessRequests.format(config.requestTtl())))
        .append(". The access starts when the last approval is given and ends by itself.</p>\n");
    errors(body, "request", form);
    boolean route = form.value("targetType").equals("route");
    body.append("<form method=\"post\" action=\"").append(AccessPages.REQUEST).append("\" novalidate>\n");
    hidden(body, "csrf", csrf);
    body.append("<fieldset").append(invalid(form, "targetType")).append(">\n<legend>Type of access</legend>\n")
        .append("<input type=\"radio\" id=\"targetType-role\" name=\"targetType\" value=\"role\"")
        .append(route ? "" : " checked").append(">\n<label class=\"inline\" for=\"targetType-role\">A role of your "
            + "organisation</label><br>\n")
        .append("<input type=\"radio\" id=\"targetType-route\" name=\"targetType\" value=\"route\"")
        .append(route ? " checked" : "").append(">\n<label class=\"inline\" for=\"targetType-route\">A route that "
            + "asks for approval</label>\n</fieldset>\n");
    body.append("<label for=\"target\">Role or route</label>\n<p class=\"hint\" id=\"target-hint\">The role's name, "
        + "or the route id the refusal named.</p>\n<input id=\"target\" name=\"target\" type=\"text\" "
        + "maxlength=\"113\" list=\"roles\" autocapitalize=\"none\" spellcheck=\"false\" required")
        .append(described(form, "target", "target-hint")).append(" value=\"").append(escape(form.value("target"))).append("\">\n");
    body.append("<datalist id=\"roles\">\n");
    overview.roles().forEach(r -> body.append("<option value=\"").append(escape(r)).append("\">\n"));
    body.append("</datalist>\n");
    reasonField(body, "reason", form);
    durationField(body, "duration", form, config.maxDuration(), "Counted from the last approval; at most ");
    body.append("<button type=\"submit\" id=\"request-submit\">Request access</button>\n</form>\n</section>\n");
  }

  private static void mine(StringBuilder body, String csrf, AccessRequests.Overview overview) {
    body.append("<section aria-labelledby=\"mine-title\">\n<h2 id=\"mine-title\">Your requests</h2>\n");
    if (overview.mine().isEmpty()) {
      body.append("<p id=\"mine-none\">You have not requested access yet.</p>\n</section>\n");
      return;
    }
    body.append("<table id=\"mine\">\n<thead><tr><th scope=\"col\">Access</th><th scope=\"col\">Duration</th>"
        + "<th scope=\"col\">Status</th><th scope=\"col\">Requested</th><th scope=\"col\"><span class=\"hidden\">"
        + "Action</span></th></tr></thead>\n<tbody>\n");
    Instant now = overview.now();
    for (AccessRequest r : overview.mine()) {
      AccessRequest.Status status = r.statusAt(now);
      body.append("<tr id=\"request-").append(escape(r.id())).append("\"><td>").append(target(r)).append("</td><td>")
          .append(escape(AccessRequests.format(r.duration()))).append("</td><td class=\"status\">")
          .append(escape(statusText(r, status, now))).append("</td><td>").append(escape(TIME.format(r.createdAt())))
          .append("</td><td>");
      if (status == AccessRequest.Status.PENDING) {
        body.append("<form method=\"post\" action=\"").append(AccessPages.WITHDRAW).append("\">");
        hidden(body, "csrf", csrf);
        hidden(body, "request", r.id());
        body.append("<button type=\"submit\" class=\"small secondary\">Withdraw</button></form>");
      }
      body.append("</td></tr>\n");
    }
    body.append("</tbody>\n</table>\n</section>\n");
  }

  private static void toDecide(StringBuilder body, String csrf, AccessRequests.Overview overview, Form form) {
    body.append("<section aria-labelledby=\"decide-title\">\n<h2 id=\"decide-title\">Waiting for your decision</h2>\n");
    errors(body, "vote", form);
    if (overview.toDecide().isEmpty()) {
      body.append("<p id=\"decide-none\">No request is waiting for you.</p>\n</section>\n");
      return;
    }
    for (AccessRequests.Pending p : overview.toDecide()) {
      AccessRequest r = p.request();
      String id = escape(r.id());
      boolean thisOne = r.id().equals(form.values().get("request"));
      body.append("<article class=\"pending\" id=\"decide-").append(id).append("\" aria-labelledby=\"decide-")
          .append(id).append("-title\">\n<h3 id=\"decide-").append(id).append("-title\">")
          .append(escape(r.requesterName() == null ? r.requesterId() : r.requesterName())).append(" asks for ")
          .append(target(r)).append(" for ").append(escape(AccessRequests.format(r.duration()))).append("</h3>\n")
          .append("<p class=\"reason\">").append(escape(r.reason())).append("</p>\n<p class=\"hint\">")
          .append(p.approvals()).append(" of ").append(p.needed()).append(" approvals · expires ")
          .append(escape(TIME.format(r.expiresAt()))).append("</p>\n");
      body.append("<form method=\"post\" action=\"").append(AccessPages.VOTE).append("\" novalidate>\n");
      hidden(body, "csrf", csrf);
      hidden(body, "request", r.id());
      body.append("<label for=\"comment-").append(id).append("\">Comment (optional)</label>\n<textarea id=\"comment-")
          .append(id).append("\" name=\"comment\" rows=\"2\" maxlength=\"500\"")
          .append(thisOne ? described(form, "comment") : "").append(">")
          .append(thisOne ? escape(form.value("comment")) : "").append("</textarea>\n")
          .append("<div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"approve\" id=\"approve-")
          .append(id).append("\">Approve</button>\n<button type=\"submit\" name=\"decision\" value=\"deny\" "
              + "class=\"secondary\" id=\"deny-").append(id).append("\">Deny</button></div>\n</form>\n</article>\n");
    }
    body.append("</section>\n");
  }

  private static void elevation(StringBuilder body, String csrf, AccessRequests.Overview overview, Form form) {
    body.append("<section aria-labelledby=\"elevate-title\">\n<h2 id=\"elevate-title\">Elevate</h2>\n")
        .append("<p class=\"hint\">Activate a role you are allowed to take on yourself, at once, for a short "
            + "while.</p>\n");
    errors(body, "elevate", form);
    body.append("<form method=\"post\" action=\"").append(AccessPages.ELEVATE).append("\" novalidate>\n");
    hidden(body, "csrf", csrf);
    body.append("<label for=\"elevate-role\">Role</label>\n<select id=\"elevate-role\" name=\"role\" required")
        .append(described(form, "role")).append(">\n");
    Duration longest = Duration.ZERO;
    for (Map.Entry<String, Duration> role : overview.elevatable().entrySet()) {
      longest = role.getValue().compareTo(longest) > 0 ? role.getValue() : longest;
      body.append("<option value=\"").append(escape(role.getKey())).append("\"")
          .append(role.getKey().equals(form.value("role")) ? " selected" : "").append(">")
          .append(escape(role.getKey())).append(" (at most ").append(escape(AccessRequests.format(role.getValue())))
          .append(")</option>\n");
    }
    body.append("</select>\n");
    reasonField(body, "elevate-reason", form);
    durationField(body, "elevate-duration", form, longest, "Within the role's limit shown above; at most ");
    body.append("<button type=\"submit\" id=\"elevate-submit\">Activate</button>\n</form>\n</section>\n");
  }

  private static void reasonField(StringBuilder body, String id, Form form) {
    body.append("<label for=\"").append(id).append("\">Reason</label>\n<p class=\"hint\" id=\"").append(id)
        .append("-hint\">Why you need it (at most ").append(AccessRequests.MAX_REASON).append(" characters). It is "
            + "kept in the audit journal (and shown to the approvers): no personal data, no secrets.</p>\n")
        .append("<textarea id=\"").append(id).append("\" name=\"reason\" rows=\"3\" maxlength=\"")
        .append(AccessRequests.MAX_REASON).append("\" required").append(described(form, "reason", id + "-hint"))
        .append(">").append(escape(form.value("reason"))).append("</textarea>\n");
  }

  private static void durationField(StringBuilder body, String id, Form form, Duration max, String hint) {
    body.append("<label for=\"").append(id).append("\">Duration</label>\n<p class=\"hint\" id=\"").append(id)
        .append("-hint\">").append(escape(hint)).append(escape(AccessRequests.format(max)))
        .append(", such as 30m or 2h.</p>\n<input id=\"").append(id).append("\" name=\"duration\" type=\"text\" "
            + "maxlength=\"16\" autocapitalize=\"none\" spellcheck=\"false\" required")
        .append(described(form, "duration", id + "-hint")).append(" value=\"").append(escape(form.value("duration")))
        .append("\">\n");
  }

  /** The form's field errors, each naming its field by its label. */
  private static void errors(StringBuilder body, String kind, Form form) {
    if (form.errors().isEmpty()) {
      return;
    }
    body.append("<ul class=\"error\" role=\"alert\" id=\"").append(kind).append("-errors\">\n");
    form.errors().forEach((field, message) -> body.append("<li id=\"error-").append(escape(field)).append("\">")
        .append(escape(LABELS.getOrDefault(field, field))).append(": ").append(escape(message)).append("</li>\n"));
    body.append("</ul>\n");
  }

  private static String invalid(Form form, String field) {
    return form.errors().containsKey(field) ? " aria-invalid=\"true\" aria-describedby=\"error-" + field + "\"" : "";
  }

  private static String described(Form form, String field) {
    return described(form, field, null);
  }

  private static String described(Form form, String field, String hint) {
    boolean wrong = form.errors().containsKey(field);
    String ids = ((hint == null ? "" : hint) + (wrong ? " error-" + field : "")).trim();
    return (ids.isEmpty() ? "" : " aria-describedby=\"" + ids + "\"") + (wrong ? " aria-invalid=\"true\"" : "");
  }

  private static void hidden(StringBuilder body, String name, String value) {
    body.append("<input type=\"hidden\" name=\"").append(name).append("\" value=\"").append(escape(value))
        .append("\">\n");
  }

  private static String target(AccessRequest r) {
    return (r.targetType() == AccessRequest.TargetType.ROLE ? "role " : "route ") + "<strong>" + escape(r.target())
        + "</strong>";
  }

  private static String statusText(AccessRequest r, AccessRequest.Status status, Instant now) {
    return switch (status) {
      case PENDING -> "waiting for approval (until " + TIME.format(r.expiresAt()) + ")";
      case APPROVED -> {
        Instant until = r.decidedAt().plus(r.duration());
        yield (now.isBefore(until) ? "approved: active until " : "approved: ended ") + TIME.format(until);
      }
      case DENIED -> "denied";
      case EXPIRED -> "expired without enough approvals";
      case WITHDRAWN -> "withdrawn";
    };
  }
}
