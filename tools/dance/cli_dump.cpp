#include "cli_dump.hpp"

#include "dance/message_text.hpp"

#include <iostream>
#include <set>
#include <string>
#include <vector>

namespace dance::cli {
namespace {

using json = nlohmann::ordered_json;

// Options and subcommands in the empty group are hidden from --help, so
// they stay out of the completions and man pages too.
bool is_hidden(const CLI::Option& option) {
    return option.get_group().empty();
}

bool is_hidden(const CLI::App& app) {
    return app.get_group().empty();
}

std::vector<std::string> split_set(const std::string& set) {
    std::vector<std::string> items;
    std::string item;
    for (char c : set) {
        if (c == ',') {
            items.push_back(item);
            item.clear();
        } else {
            item.push_back(c);
        }
    }
    items.push_back(item);
    return items;
}

// CLI11 exposes a set check only through its description: IsMember prints
// "{a,b}", Transformer "{a->1,b->2}" and CheckedTransformer
// "value in {a->1,b->2} OR {1,2}". The accepted spellings are the keys of
// the first set.
std::vector<std::string> choices_from_description(const std::string& text) {
    std::string set = text;
    const std::string prefix = "value in ";
    if (set.rfind(prefix, 0) == 0)
        set.erase(0, prefix.size());
    if (set.empty() || set.front() != '{')
        return {};

    std::size_t close = set.find('}');
    if (close == std::string::npos)
        return {};

    std::vector<std::string> choices;
    for (std::string item : split_set(set.substr(1, close - 1))) {
        std::size_t arrow = item.find("->");
        if (arrow != std::string::npos)
            item.erase(arrow);
        if (!item.empty())
            choices.push_back(item);
    }
    return choices;
}

// CLI11 has no validator count accessor, but get_validator(index) throws past
// the end.
std::vector<std::string> validator_descriptions(CLI::Option& option) {
    std::vector<std::string> descriptions;
    for (int index = 0;; ++index) {
        CLI::Validator* validator = nullptr;
        try {
            validator = option.get_validator(index);
        } catch (const CLI::OptionNotFound&) {
            break;
        }
        std::string description = validator->get_description();
        if (!description.empty())
            descriptions.push_back(std::move(description));
    }
    return descriptions;
}

std::vector<std::string> option_choices(CLI::Option& option) {
    std::vector<std::string> choices;
    for (const std::string& description : validator_descriptions(option)) {
        for (std::string& choice : choices_from_description(description))
            choices.push_back(std::move(choice));
    }
    return choices;
}

bool is_repeatable(const CLI::Option& option) {
    if (option.get_expected_max() > 1)
        return true;
    // A flag counted or kept per occurrence, or a value option whose
    // results are all kept, may be given more than once.
    return option.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
}

// CLI11 marks "any number" with a huge maximum; the dump writes -1.
int items_expected_max(const CLI::Option& option) {
    int maximum = option.get_items_expected_max();
    return maximum >= CLI::detail::expected_max_vector_size ? -1 : maximum;
}

// get_type_name() appends ":" and each validator's description to the
// value name --help shows, as in "TEXT:FILE". The value name may contain
// colons itself ("ADDR[:PORT]"), so the suffix is removed, not split off.
std::string value_name(CLI::Option& option) {
    std::string type = option.get_type_name();
    std::string suffix;
    for (const std::string& description : validator_descriptions(option))
        suffix += ":" + description;
    bool has_suffix =
        type.size() >= suffix.size() &&
        type.compare(type.size() - suffix.size(), suffix.size(), suffix) == 0;
    return has_suffix ? type.substr(0, type.size() - suffix.size()) : type;
}

json option_names(const std::set<CLI::Option*>& options) {
    json names = json::array();
    for (const CLI::Option* option : options)
        names.push_back(option->get_name());
    return names;
}

json describe_option(CLI::Option& option) {
    bool flag = option.get_items_expected_max() == 0;
    json names = json::array();
    for (const std::string& name : option.get_snames())
        names.push_back("-" + name);
    for (const std::string& name : option.get_lnames())
        names.push_back("--" + name);

    json described = {
        {"names", names},
        {"group", option.get_group()},
        {"description", option.get_description()},
        {"type", flag ? "" : option.get_type_name()},
        {"value_name", flag ? "" : value_name(option)},
        {"expected_min", option.get_items_expected_min()},
        {"expected_max", items_expected_max(option)},
        {"default", option.get_default_str()},
        {"required", option.get_required()},
        {"repeatable", is_repeatable(option)},
        {"flag", flag},
        {"validators", validator_descriptions(option)},
        {"choices", option_choices(option)},
        {"envname", option.get_envname()},
        {"needs", option_names(option.get_needs())},
        {"excludes", option_names(option.get_excludes())},
    };
    return described;
}

json describe_positional(CLI::Option& option) {
    json described = describe_option(option);
    described.erase("names");
    described["name"] = option.get_name(true, false);
    return described;
}

// Adds the visible options of app, and of its option groups, which CLI11
// keeps as nameless subcommands.
void collect_options(CLI::App& app, json& options, json& positionals) {
    for (CLI::Option* option : app.get_options()) {
        if (is_hidden(*option))
            continue;
        if (option->nonpositional())
            options.push_back(describe_option(*option));
        else
            positionals.push_back(describe_positional(*option));
    }

    auto is_option_group = [](CLI::App* child) {
        return child->get_name().empty();
    };
    for (CLI::App* group : app.get_subcommands(is_option_group))
        collect_options(*group, options, positionals);
}

json describe_app(CLI::App& app) {
    json options = json::array();
    json positionals = json::array();
    collect_options(app, options, positionals);

    auto is_visible_subcommand = [](CLI::App* child) {
        return !child->get_name().empty() && !is_hidden(*child);
    };
    json subcommands = json::array();
    for (CLI::App* subcommand : app.get_subcommands(is_visible_subcommand))
        subcommands.push_back(describe_app(*subcommand));

    return {
        {"name", app.get_name()},     {"description", app.get_description()},
        {"footer", app.get_footer()}, {"options", options},
        {"positionals", positionals}, {"subcommands", subcommands},
    };
}

} // namespace

json describe_cli(CLI::App& app) {
    return describe_app(app);
}

void add_cli_dump_option(CLI::App& app) {
    // trigger_on_parse runs the callback as soon as the flag is read, so
    // the dump works without the subcommand that require_subcommand wants.
    auto print_and_exit = [&app](std::int64_t) {
        std::cout << dump_json(describe_cli(app), 2) << '\n';
        throw CLI::Success();
    };
    app.add_flag_function("--dump-cli", print_and_exit,
                          "Print the command line as JSON for the build")
        ->group("")
        ->trigger_on_parse();
}

} // namespace dance::cli
