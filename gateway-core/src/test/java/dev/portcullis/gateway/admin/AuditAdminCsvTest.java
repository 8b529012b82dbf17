package dev.portcullis.gateway.admin;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AuditAdminCsvTest {

  @Test
  void cellsAreQuotedAndFormulasDefused() {
    String csv = AuditAdmin.csv(List.of(new JsonObject().put("time", "2026-11-25T08:00:00.000Z").put("type", "access")
        .put("path", "/a,\"b\"").put("key", "=HYPERLINK(\"x\")").put("status", 403)));
    String[] rows = csv.split("\r\n");
    assertThat(rows[0]).isEqualTo("time,type,id,requestId,route,method,path,client,tenant,decision,wouldBe,status,"
        + "policy,key,authMethod,reason");
    assertThat(rows[1]).isEqualTo("2026-11-25T08:00:00.000Z,access,,,,,\"/a,\"\"b\"\"\",,,,,403,,"
        + "\"'=HYPERLINK(\"\"x\"\")\",,");
  }
}
