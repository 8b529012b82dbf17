package dev.portcullis.gateway.net;

import dev.portcullis.plugin.net.Cidr;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CidrTest {

  @Test
  void everyAddressOfASlash24MatchesAndNeighboursDoNot() {
    Cidr net = Cidr.parse("192.0.2.0/24");
    for (int i = 0; i < 256; i++) {
      assertThat(net.contains("192.0.2." + i)).as("192.0.2.%d", i).isTrue();
    }
    assertThat(net.contains("192.0.3.0")).isFalse();
    assertThat(net.contains("192.0.1.255")).isFalse();
  }

  @Test
  void ipv4RulesNeverMatchIpv6ButMappedAddressesCountAsIpv4() {
    Cidr v4 = Cidr.parse("10.0.0.0/8");
    assertThat(v4.contains("::1")).isFalse();
    assertThat(v4.contains("2001:db8::1")).isFalse();
    assertThat(v4.contains("::ffff:10.1.2.3")).isTrue();
    Cidr v6 = Cidr.parse("2001:db8::/32");
    assertThat(v6.contains("2001:db8:ffff::1")).isTrue();
    assertThat(v6.contains("2001:db9::1")).isFalse();
    assertThat(v6.contains("10.0.0.1")).isFalse();
  }

  @Test
  void slashZeroMatchesItsWholeFamilyAndABareAddressOnlyItself() {
    assertThat(Cidr.parse("0.0.0.0/0").contains("203.0.113.9")).isTrue();
    assertThat(Cidr.parse("0.0.0.0/0").contains("::1")).isFalse();
    assertThat(Cidr.parse("::/0").contains("::1")).isTrue();
    assertThat(Cidr.parse("127.0.0.1").contains("127.0.0.1")).isTrue();
    assertThat(Cidr.parse("127.0.0.1").contains("127.0.0.2")).isFalse();
  }

  @Test
  void malformedNetworksAreRefusedWithTheReasonAndNoDnsLookup() {
    assertThatThrownBy(() -> Cidr.parse("example.com/24")).hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("prefix length 33");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.1/8")).hasMessageContaining("host bits set");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/x")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> Cidr.parse("256.1.1.1")).hasMessageContaining("not an IP address");
  }

  @Test
  void clientAddressIsThePeerUnlessThePeerIsATrustedProxy() {
    ClientAddressResolver resolver = new ClientAddressResolver(List.of(Cidr.parse("10.0.0.0/8")));
    // untrusted peer: its X-Forwarded-For is ignored
    assertThat(resolver.resolve("203.0.113.5", List.of("198.51.100.1"))).isEqualTo("203.0.113.5");
    // trusted peer: right-most untrusted hop
    assertThat(resolver.resolve("10.0.0.2", List.of("198.51.100.1, 203.0.113.7"))).isEqualTo("203.0.113.7");
    // a chain of trusted proxies is skipped
    assertThat(resolver.resolve("10.0.0.2", List.of("203.0.113.7, 10.1.1.1", "10.2.2.2"))).isEqualTo("203.0.113.7");
    // a forged left-most entry behind an honest untrusted hop never wins
    assertThat(resolver.resolve("10.0.0.2", List.of("1.2.3.4, 203.0.113.7"))).isEqualTo("203.0.113.7");
    // garbage stops the walk at the last good address
    assertThat(resolver.resolve("10.0.0.2", List.of("203.0.113.7, not-an-ip, 10.1.1.1"))).isEqualTo("10.1.1.1");
    // ports and brackets are tolerated
    assertThat(resolver.resolve("10.0.0.2", List.of("203.0.113.7:4711"))).isEqualTo("203.0.113.7");
    assertThat(resolver.resolve("10.0.0.2", List.of("[2001:db8::7]:4711"))).isEqualTo("2001:db8:0:0:0:0:0:7");
    // no header: the peer
    assertThat(resolver.resolve("10.0.0.2", List.of())).isEqualTo("10.0.0.2");
  }
}
