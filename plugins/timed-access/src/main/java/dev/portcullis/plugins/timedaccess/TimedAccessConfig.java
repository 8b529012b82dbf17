package dev.portcullis.plugins.timedaccess;

import java.util.Map;

/**
 * Options of {@code timed-access}. At least one of {@code window} and {@code roles} is given.
 *
 * @param window  one window string ({@code <days> <HH:MM>-<HH:MM> <zone>}) or a list of them; the
 *                route is open to everyone inside any of them; absent: no route-wide window
 * @param roles   role name to one window string or a list of them: a user may use the route only
 *                while holding a listed role that is inside its window; absent: no role check
 * @param message shown to the client on a deny instead of the default (at most 200 characters)
 */
public record TimedAccessConfig(Object window, Map<String, Object> roles, String message) {
}
