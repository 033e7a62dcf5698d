import Preflight

extension Configuration {
    /// `AUTH_PLUGIN` as the checks read it, to say what the next rotation
    /// does to an account's plugin. A value that names no plugin reads as
    /// `keep` here: refusing it is the rotation settings' job.
    var authPlugin: AuthPluginTarget { AuthPluginTarget(setting: environment["AUTH_PLUGIN"]) ?? .keep }
}
