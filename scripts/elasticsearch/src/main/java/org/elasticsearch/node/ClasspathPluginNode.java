package org.elasticsearch.node;

import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

import java.util.Collection;
import java.util.List;

/**
 * A {@link Node} whose plugins are given as classes on the classpath (e.g. Netty4Plugin for HTTP).
 * In this package because {@code NodeConstruction.prepareConstruction} and {@code NodeServiceProvider}
 * are package-private (same approach as the test framework's MockNode).
 */
public class ClasspathPluginNode extends Node {
    public ClasspathPluginNode(Environment environment, Collection<Class<? extends Plugin>> pluginClasses) {
        super(NodeConstruction.prepareConstruction(environment, null, new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment env, PluginsLoader pluginsLoader) {
                return new ClasspathPluginsService(env, List.copyOf(pluginClasses));
            }
        }, true));
    }
}
