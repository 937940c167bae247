/*
 * The minimum cost of a validated TLSA lookup through getdns: one process
 * that creates a stub-mode context, loads a trust anchor file, makes one
 * TLSA query with DNSSEC validation and prints the status. bench/verify.sh
 * times it beside dance verify and danetool --check, so that the share of
 * getdns in one verification can be read off.
 *
 *   getdns_lookup PORT TRUST-ANCHOR-FILE NAME tcp|udp
 *
 * Exits 0 when the answer is secure.
 */
#include <getdns/getdns.h>
#include <getdns/getdns_extra.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s PORT TRUST-ANCHOR-FILE NAME tcp|udp\n",
			argv[0]);
		return 2;
	}

	getdns_context *context = NULL;
	if (getdns_context_create(&context, 0) != GETDNS_RETURN_GOOD)
		return 1;
	getdns_context_set_resolution_type(context, GETDNS_RESOLUTION_STUB);

	char servers_text[128];
	snprintf(servers_text, sizeof servers_text,
		 "[{address_data: 127.0.0.1, port: %s}]", argv[1]);
	getdns_list *servers = NULL;
	if (getdns_str2list(servers_text, &servers) != GETDNS_RETURN_GOOD)
		return 1;
	getdns_context_set_upstream_recursive_servers(context, servers);

	getdns_transport_list_t transport = strcmp(argv[4], "tcp") == 0 ?
		GETDNS_TRANSPORT_TCP : GETDNS_TRANSPORT_UDP;
	getdns_context_set_dns_transport_list(context, 1, &transport);

	FILE *anchor_file = fopen(argv[2], "r");
	getdns_list *anchors = NULL;
	if (anchor_file == NULL ||
	    getdns_fp2rr_list(anchor_file, &anchors, NULL, 3600) !=
		    GETDNS_RETURN_GOOD)
		return 1;
	fclose(anchor_file);
	getdns_context_set_dnssec_trust_anchors(context, anchors);

	getdns_dict *extensions = getdns_dict_create();
	getdns_dict_set_int(extensions, "dnssec_return_status",
			    GETDNS_EXTENSION_TRUE);
	getdns_dict *response = NULL;
	if (getdns_general_sync(context, argv[3], GETDNS_RRTYPE_TLSA,
				extensions, &response) != GETDNS_RETURN_GOOD)
		return 1;

	getdns_list *replies = NULL;
	getdns_dict *reply = NULL;
	uint32_t status = 0;
	getdns_dict_get_list(response, "replies_tree", &replies);
	getdns_list_get_dict(replies, 0, &reply);
	getdns_dict_get_int(reply, "dnssec_status", &status);
	printf("%s\n", getdns_get_errorstr_by_id((uint16_t)status));

	getdns_dict_destroy(response);
	getdns_dict_destroy(extensions);
	getdns_list_destroy(anchors);
	getdns_list_destroy(servers);
	getdns_context_destroy(context);
	return status == GETDNS_DNSSEC_SECURE ? 0 : 1;
}
